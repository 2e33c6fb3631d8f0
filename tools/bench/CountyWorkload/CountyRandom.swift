import Foundation

/// A small, fast, seedable generator (SplitMix64): the county's only source of chance, so the same seed
/// gives the same county.
struct CountyRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `percent` / 100 (in tenths of a percent: `permille`).
    mutating func chance(permille: UInt64) -> Bool { next() % 1000 < permille }
    mutating func chance(_ percent: UInt64) -> Bool { chance(permille: percent * 10) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
}

enum CountyNames {
    static let forenames = ["Ada", "Alan", "Bea", "Carl", "Dora", "Edna", "Frank", "Grace", "Harold", "Iris", "Jack", "Joan",
                            "Ken", "Lily", "Mabel", "Norman", "Olive", "Percy", "Rose", "Stan", "Thelma", "Vera", "Walter", "Winifred"]
    static let surnames = ["Allen", "Barker", "Carter", "Dawson", "Ellis", "Fisher", "Gray", "Hughes", "Jarvis", "King", "Lamb",
                           "Mason", "Norris", "Oakley", "Pearce", "Reed", "Shaw", "Turner", "Walsh", "Young"]
    static let places = ["Norwich", "Thetford", "Cromer", "Dereham", "Diss", "Wymondham", "Swaffham", "Fakenham", "Holt",
                         "Aylsham", "Attleborough", "Downham", "Hunstanton", "Sheringham", "Wells", "Watton"]
}
