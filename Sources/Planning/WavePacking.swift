import FleetCore

/// First-fit packing of groups into waves, in the order the groups come. Waves of one tag-order position are
/// never mixed with another position's, so tag order is monotonic across waves.
struct WavePacking: Sendable {
    let constraints: PlanConstraints
    private(set) var waves: [PlanWave] = []
    /// Indices of the current position's waves that may still take an instance.
    private var open: [Int] = []
    private var position: Int?

    init(constraints: PlanConstraints) { self.constraints = constraints }

    mutating func place(_ group: WaveGroup, notes: inout [PlanNote]) {
        if group.position != position {
            position = group.position
            open = []
        }
        let exceeded = constraints.exceededLimits(
            instances: group.members.count, datasetBytes: group.datasetBytes, syncSeconds: group.syncSeconds)
        if exceeded.isEmpty {
            // First fit: the earliest wave of this position with room for the whole group, else a new wave.
            let index = open.first { fits(group.members, in: waves[$0]) } ?? newWave()
            for member in group.members { waves[index].append(member) }
            closeIfFull(index)
        } else if group.members.count == 1 {
            placeAlone(group.members[0], exceeded: exceeded, notes: &notes)
        } else {
            split(group, exceeded: exceeded, notes: &notes)
        }
    }

    /// A group that cannot fit in one wave: its members fill fresh waves in order (next fit), so its parts are
    /// consecutive; a member that alone exceeds a limit still gets a wave of its own.
    private mutating func split(_ group: WaveGroup, exceeded: [String], notes: inout [PlanNote]) {
        var current: Int?
        var used: [Int] = []
        for member in group.members {
            let alone = exceededAlone(member)
            if !alone.isEmpty {
                used.append(placeAlone(member, exceeded: alone, notes: &notes))
                continue
            }
            let index: Int
            if let current, fits([member], in: waves[current]) {
                index = current
            } else {
                index = newWave()
            }
            current = index
            waves[index].append(member)
            closeIfFull(index)
            used.append(index)
        }
        let numbers = WavePlanner.distinct(used.map { waves[$0].number })
        let key = constraints.keepTogetherTag ?? "group"
        notes.append(
            PlanNote(
                kind: .groupSplit,
                message:
                    "\(key)=\(group.value ?? "") (\(group.members.count) instances, \(ByteCount.format(group.datasetBytes)), "
                    + "\(PlanText.duration(group.syncSeconds)) of sync) exceeds \(exceeded.joined(separator: ", ")) in one "
                    + "wave: split across waves \(numbers.map(String.init).joined(separator: ", ")).",
                group: group.value, instances: group.members.map(\.name), waves: numbers))
    }

    /// An instance that alone exceeds a limit: a wave of its own that takes nothing else.
    @discardableResult
    private mutating func placeAlone(_ instance: PlannedInstance, exceeded: [String], notes: inout [PlanNote]) -> Int {
        let index = newWave(isOpen: false)
        waves[index].append(instance)
        waves[index].exceededLimits = exceeded
        let size = instance.datasetBytes.map(ByteCount.format) ?? "unknown size"
        notes.append(
            PlanNote(
                kind: .oversizedInstance,
                message:
                    "\(instance.name) (\(size), \(PlanText.duration(instance.estimatedSyncSeconds ?? 0)) of sync) alone "
                    + "exceeds \(exceeded.joined(separator: ", ")): it moves alone in wave \(waves[index].number).",
                instances: [instance.name], waves: [waves[index].number]))
        return index
    }

    private func exceededAlone(_ instance: PlannedInstance) -> [String] {
        constraints.exceededLimits(
            instances: 1, datasetBytes: instance.datasetBytes ?? 0, syncSeconds: instance.estimatedSyncSeconds ?? 0)
    }

    /// Whether `members` fit in `wave`, summing exactly as `PlanWave.append` will (so a full wave never exceeds a
    /// limit by a rounding error).
    private func fits(_ members: [PlannedInstance], in wave: PlanWave) -> Bool {
        var bytes = wave.datasetBytes
        var seconds = wave.estimatedSyncSeconds
        for member in members {
            bytes = bytes.saturatingAdding(member.datasetBytes ?? 0)
            seconds += member.estimatedSyncSeconds ?? 0
        }
        return constraints.exceededLimits(
            instances: wave.instances.count + members.count, datasetBytes: bytes, syncSeconds: seconds
        ).isEmpty
    }

    private mutating func newWave(isOpen: Bool = true) -> Int {
        let orderValue = position.flatMap { constraints.tagOrder?.value(at: $0) }
        waves.append(PlanWave(number: waves.count + 1, orderTagValue: orderValue))
        if isOpen { open.append(waves.count - 1) }
        return waves.count - 1
    }

    /// Stops offering a wave that holds the most instances allowed. (A wave whose dataset or sync total is at its
    /// limit stays offered: an instance of unknown size, counted as 0, still fits there, as first fit requires.)
    private mutating func closeIfFull(_ index: Int) {
        guard let maxInstances = constraints.maxInstancesPerWave, waves[index].instances.count >= maxInstances
        else { return }
        open.removeAll { $0 == index }
    }
}
