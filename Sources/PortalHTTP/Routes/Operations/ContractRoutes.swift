import Hummingbird
import NIOCore

/// `/openapi.yaml`: the API's OpenAPI 3.1 description, the same bytes as `Schemas/openapi.yaml` (compiled in), so a
/// client or a fuzzer can fetch the contract of the server it talks to. No token needed: it holds no portal data.
struct ContractRoutes {
    func register(on router: Router<PortalRequestContext>) {
        router.get("/openapi.yaml") { _, _ in
            Reply(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: ByteBuffer(bytes: PackageResources.openapi_yaml))
        }
    }
}
