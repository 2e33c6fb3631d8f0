import Foundation

/// A seedable generator (SplitMix64): the same seed gives the same county.
struct SimulationRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A generator for one part of the county, independent of how much the others drew.
    func derived(_ label: String) -> SimulationRandom {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in label.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return SimulationRandom(seed: state ^ hash)
    }

    mutating func chance(_ probability: Double) -> Bool {
        Double(next() >> 11) / Double(1 << 53) < probability
    }

    mutating func uuid() -> UUID {
        let a = next(), b = next()
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: a >> (8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: b >> (8 * $0)) }
        bytes[6] = 0x40 | (bytes[6] & 0x0f)
        bytes[8] = 0x80 | (bytes[8] & 0x3f)
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
}

/// Names for simulated people, services and streets.
enum SimulatedNames {
    static let forenames = ["Olive", "Arthur", "Margaret", "Joan", "Peter", "Sandra", "Derek", "Aisha", "Tomasz", "Grace",
                            "Harold", "Priya", "Kevin", "Irene", "Mohammed", "Ruth", "Colin", "Beatrice", "Stanley", "Nadia"]
    static let surnames = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas", "Patel", "Walker",
                           "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall", "Wood", "Khan"]
    static let places = ["Oasis", "Riverside", "Meadow", "Broadland", "Wensum", "Coastal", "Fenland", "Breckland", "Marshes", "Heath"]
    static let streets = ["High Street", "Church Lane", "Mill Road", "Station Road", "The Green", "Park Avenue", "Orchard Way"]
    static let postcodes = ["NR1", "NR2", "NR3", "NR14", "IP1", "IP22", "PE30", "PE37", "NR30", "NR31"]
}
