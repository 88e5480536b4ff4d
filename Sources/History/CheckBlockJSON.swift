import FleetCore
import Foundation
import Reports

/// The two JSON columns of a `check_block` row: the checks of one instance (or of the target) in recorded order.
///
/// `checks` holds every field, one object per check with its keys in byte order (as `JSONEncoder`'s `.sortedKeys`
/// writes them): `check_id`, `evidence` (the array `HistoryRowWriter.evidenceJSON` writes), `remediation`,
/// `severity`, `status`, `summary`, `title`, `waiver` (`{expires, originalStatus, reason}`); an absent remediation or
/// waiver has no key, which the `check_result` view reads as NULL, like an absent note. `outline` repeats the four
/// fields "since the last run" compares, `[[check_id, title, severity, status], …]`, so that reading a run for the
/// comparison does not parse the evidence (most of a block's bytes).
enum CheckBlockJSON {
    static func checks(_ checks: [CheckResult]) -> String {
        var json = JSONWriter.databaseColumn(reservingCapacity: 64 + checks.count * 512)
        json.array(checks) { json, check in
            json.object { json in
                json.field("check_id", string: check.id.rawValue)
                json.key("evidence")
                HistoryRowWriter.write(check.evidence, into: &json)
                if let remediation = check.remediation { json.field("remediation", string: remediation) }
                json.field("severity", string: check.severity.rawValue)
                json.field("status", string: check.status.rawValue)
                json.field("summary", string: check.summary)
                json.field("title", string: check.title)
                if let waiver = check.waiver {
                    json.key("waiver")
                    json.object { json in
                        json.field("expires", string: waiver.expires)
                        json.field("originalStatus", string: waiver.originalStatus.rawValue)
                        json.field("reason", string: waiver.reason)
                    }
                }
            }
        }
        return json.compactText
    }

    static func outline(_ checks: [CheckResult]) -> String {
        var json = JSONWriter.databaseColumn(reservingCapacity: 16 + checks.count * 96)
        json.array(checks) { json, check in
            json.array { json in
                json.string(check.id.rawValue)
                json.string(check.title)
                json.string(check.severity.rawValue)
                json.string(check.status.rawValue)
            }
        }
        return json.compactText
    }

    /// The checks of a `checks` column, decoded (Codable refuses an unknown severity or status, as the rows did).
    static func decodeChecks(_ json: String, decoder: JSONDecoder) throws -> [CheckResult] {
        try decoder.decode([StoredCheck].self, from: Data(json.utf8)).map(\.result)
    }

    private struct StoredCheck: Decodable {
        enum CodingKeys: String, CodingKey {
            case checkID = "check_id"
            case evidence, remediation, severity, status, summary, title, waiver
        }

        var checkID: String
        var evidence: [Evidence]
        var remediation: String?
        var severity: Severity
        var status: CheckStatus
        var summary: String
        var title: String
        var waiver: AppliedWaiver?

        var result: CheckResult {
            CheckResult(
                id: CheckID(checkID), title: title, severity: severity, status: status, summary: summary,
                evidence: evidence, remediation: remediation, waiver: waiver)
        }
    }
}
