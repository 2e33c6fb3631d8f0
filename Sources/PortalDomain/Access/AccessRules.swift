import Chronology

/// The access rules of R-ACC as pure checks. None of them repeats a secret in its error.
public enum AccessRules {
    /// R-ACC-2: at least 9 characters, a capital letter, an alphabetic character and two digits. The error
    /// lists every requirement not met and never the password.
    public static func checkPassword(_ password: String, policy: AccessPolicy = .standard) throws(DomainError) {
        var missing: [String] = []
        if password.count < policy.minimumPasswordLength { missing.append("at least \(policy.minimumPasswordLength) characters") }
        if !password.contains(where: { $0.isUppercase }) { missing.append("a capital letter") }
        if !password.contains(where: { $0.isLetter }) { missing.append("an alphabetic character") }
        if password.filter({ $0.isASCII && $0.isNumber }).count < policy.minimumPasswordDigits {
            missing.append("at least \(policy.minimumPasswordDigits) digits")
        }
        guard missing.isEmpty else {
            throw .ruleBroken("R-ACC-2", field: "password", "the new password needs \(missing.joined(separator: ", "))")
        }
    }

    /// R-ACC-3: a passcode of 6 digits with no run of more than three ascending or descending consecutive
    /// digits (`1234`, `9876` refused; `123` allowed).
    public static func checkPasscode(_ passcode: String, policy: AccessPolicy = .standard) throws(DomainError) {
        let digits = passcode.unicodeScalars.compactMap { ("0"..."9").contains($0) ? Int($0.value) - 48 : nil }
        guard digits.count == policy.passcodeLength, passcode.unicodeScalars.count == policy.passcodeLength else {
            throw .ruleBroken("R-ACC-3", field: "passcode", "the passcode must be exactly \(policy.passcodeLength) digits")
        }
        if longestConsecutiveRun(digits) > policy.longestPasscodeRun {
            throw .ruleBroken(
                "R-ACC-3", field: "passcode",
                "the passcode may not hold more than \(policy.longestPasscodeRun) ascending or descending consecutive digits in a row (like 1234 or 9876)")
        }
    }

    /// The longest run of digits each one more (or each one less) than the one before.
    static func longestConsecutiveRun(_ digits: [Int]) -> Int {
        guard !digits.isEmpty else { return 0 }
        var longest = 1
        var ascending = 1
        var descending = 1
        for index in digits.indices.dropFirst() {
            ascending = digits[index] == digits[index - 1] + 1 ? ascending + 1 : 1
            descending = digits[index] == digits[index - 1] - 1 ? descending + 1 : 1
            longest = max(longest, ascending, descending)
        }
        return longest
    }

    /// R-ACC-5: the date a password set on `setOn` expires: the same day twelve months later (28 February
    /// for a password set on 29 February).
    public static func passwordExpiry(setOn: BusinessDate, policy: AccessPolicy = .standard) -> BusinessDate {
        let months = setOn.month - 1 + policy.passwordLifetimeMonths
        let year = setOn.year + months / 12
        let month = months % 12 + 1
        var day = setOn.day
        while BusinessDate(year: year, month: month, day: day) == nil { day -= 1 }
        return BusinessDate(year: year, month: month, day: day)!
    }

    /// R-ACC-6: whether an account last used on `lastUsedOn` is to be suspended `today`.
    public static func isUnusedTooLong(lastUsedOn: BusinessDate, today: BusinessDate, policy: AccessPolicy = .standard) -> Bool {
        lastUsedOn.distance(to: today) >= policy.suspensionAfterUnusedDays
    }
}
