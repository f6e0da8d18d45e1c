// swift-tools-version: 6.1
// The fuzz target over envelope parsing → normalise → validate → decide, a
// package of its own: it links libFuzzer's driver, so it builds only with the
// fuzzer flags (see scripts/fuzz), and the product build never compiles it.
import PackageDescription

// A path dependency is known by its folder's name, which is the checkout's.
let root = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "main")

let package = Package(
    name: "auren-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "CFuzzerDriver"),
        .executableTarget(name: "EnvelopeFuzzer", dependencies: ["CFuzzerDriver", .product(name: "Pipeline", package: root)]),
    ],
    swiftLanguageModes: [.v6]
)
