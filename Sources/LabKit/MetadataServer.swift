import Foundation

/// A small EC2 instance metadata service (IMDSv2) for one lab host: PUT /latest/api/token returns a token; GET
/// /latest/meta-data/<path> answers with that token only. Runs inside the host's namespace, on 169.254.169.254.
public struct MetadataServer {
    public let values: [String: String]
    let token = UUID().uuidString

    /// `path=value` lines; a path may repeat (security-group-ids lists one group per line).
    public init(file: String) throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 {
                let key = String(parts[0])
                values[key] = values[key].map { $0 + "\n" + parts[1] } ?? String(parts[1])
            } else if let last = values.keys.sorted().last, !line.isEmpty, !line.contains("=") {
                values[last, default: ""] += "\n" + line
            }
        }
        self.values = values
    }

    /// The HTTP response for one request (method, path, headers): status line, headers and body.
    public func respond(method: String, path: String, headers: [String: String]) -> (Int, String) {
        if method == "PUT" && path == "/latest/api/token" { return (200, token) }
        guard method == "GET" else { return (405, "method not allowed") }
        guard headers["x-aws-ec2-metadata-token"] == token else { return (401, "unauthorized") }
        let prefix = "/latest/meta-data/"
        guard path.hasPrefix(prefix), let value = values[String(path.dropFirst(prefix.count))] else {
            return (404, "not found")
        }
        return (200, value)
    }

    /// Serves forever on address:port (one connection at a time: a host asks a handful of questions).
    public func serve(address: String, port: Int) throws -> Never {
        let listener = try Socket.listen(address: address, port: port)
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var request = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while request.count < 16_384 {
                let count = read(connection, &buffer, buffer.count)
                if count <= 0 { break }
                request += buffer[0..<count]
                if request.count >= 4, request.suffix(4) == [13, 10, 13, 10] { break }
            }
            let text = String(decoding: request, as: UTF8.self)
            let lines = text.components(separatedBy: "\r\n")
            let requestLine = (lines.first ?? "").split(separator: " ")
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                    in: .whitespaces)
            }
            let (status, body) =
                requestLine.count >= 2
                ? respond(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers)
                : (400, "bad request")
            let reason =
                [200: "OK", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed"][status] ?? "Bad Request"
            let response =
                "HTTP/1.1 \(status) \(reason)\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            _ = response.withCString { write(connection, $0, strlen($0)) }
            close(connection)
        }
    }
}
