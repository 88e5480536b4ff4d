// Arithmetic on numbers that came from a host or an input file.
//
// Swift traps on integer overflow and on converting a NaN, infinite or out-of-range Double to an integer. A host
// that answers INFO with `used_memory:9223372036854775807` (or two instances that sum past Int64.max) must not stop
// the audit of every other host, nor make `report --run` crash on the stored run for ever. Every sum, product or
// Double-to-integer conversion of such a number goes through these helpers, so the failure is a value (nil, or a
// saturated bound where only an order or a limit is needed) and the caller decides what it means: for a check, the
// fact is unknown with a reason, never a pass. See docs/security.md, "No traps on remote numbers".
// `@inlinable`: every module calls them on its own integer types, and only inlined can they be specialized there.

extension FixedWidthInteger {
    /// `self + other`, or nil when the sum does not fit in the type.
    @inlinable public func addingChecked(_ other: Self) -> Self? {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? nil : sum
    }

    /// `self - other`, or nil when the difference does not fit in the type.
    @inlinable public func subtractingChecked(_ other: Self) -> Self? {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? nil : difference
    }

    /// `self * other`, or nil when the product does not fit in the type.
    @inlinable public func multipliedChecked(by other: Self) -> Self? {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? nil : product
    }

    /// `self + other`, held at `.max` or `.min` instead of overflowing: for orderings and limits, where "at least
    /// this much" is the right answer (a saturated wave total exceeds every limit, as the real total would).
    @inlinable public func saturatingAdding(_ other: Self) -> Self {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }

    /// The value of `floatingPoint` rounded toward zero, or nil when it is NaN, infinite or beyond the type's range
    /// (where `Int(someDouble)` would trap).
    @inlinable public init?<Source: BinaryFloatingPoint>(checked floatingPoint: Source) {
        self.init(exactly: floatingPoint.rounded(.towardZero))
    }
}

extension Sequence where Element: FixedWidthInteger {
    /// The sum of the elements, or nil when it does not fit in the element type.
    @inlinable public func checkedSum() -> Element? {
        var total: Element = 0
        for element in self {
            guard let next = total.addingChecked(element) else { return nil }
            total = next
        }
        return total
    }

    /// The sum of the elements, saturated at the type's bounds (see `saturatingAdding`).
    @inlinable public func saturatingSum() -> Element { reduce(0) { $0.saturatingAdding($1) } }
}
