/// A command that reports its own progress, so its logs default to warnings.
protocol ShowsOwnProgress {}
