// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "auren-biometric-bridge",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "biometric-bridge", targets: ["Main"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .library(name: "Actors", targets: ["Actors"]),
    ],
    dependencies: [
        // Minimums that carry the current security fixes, also for packages
        // that arrive only through others: a fresh resolution never picks older.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "Pipeline",
            dependencies: ["COpenSSL", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "Actors",
            dependencies: [
                "Pipeline",
                "CRdKafka",
                "COpenSSL",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // What an engineer runs beside the bridge, never what it deploys: the
        // demo, the load generator, a throw-away PostgreSQL and an in-process
        // Kafka mock cluster.
        .target(
            name: "Workbench",
            dependencies: [
                "Actors",
                "Pipeline",
                "CRdKafka",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // The `bench` commands' harness; its micro-benchmark sibling is the
        // package in Benchmarks/ itself.
        .target(
            name: "BenchmarkHarness",
            dependencies: [
                "Actors",
                "Workbench",
                "Pipeline",
                "CRdKafka",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/Harness"
        ),
        .executableTarget(
            name: "Main",
            dependencies: [
                "Actors",
                "Workbench",
                "BenchmarkHarness",
                "Pipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The fixtures are read from the source tree, by path.
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline"], exclude: ["Decision/Fixtures"]),
        .testTarget(
            name: "ActorsTests",
            dependencies: [
                "Actors",
                "Workbench",
                "Pipeline",
                "CRdKafka",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
