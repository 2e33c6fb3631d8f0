import Foundation
import PortalDomain

#if canImport(Glibc)
import Glibc
#endif

/// The person running a `portal` command at the deployment's shell, as the log records them:
/// `system:operator:<operating-system user>` (``Actor/operator(osUser:)``).
enum ShellOperator {
    /// The operating-system user of this process (its effective user), or `uid-<n>` when it has no name.
    static var osUser: String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
            let text = String(cString: name)
            if !text.isEmpty { return text }
        }
        return "uid-\(geteuid())"
    }

    static var actor: Actor { .operator(osUser: osUser) }
}
