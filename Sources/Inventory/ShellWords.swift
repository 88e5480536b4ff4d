import Foundation

/// POSIX shell word splitting, enough for Ansible's `ansible_ssh_common_args` and INI host lines (which Ansible
/// splits with Python's shlex): quotes group, `\` escapes outside single quotes.
enum ShellWords {
    struct SplitError: Error {
        var message: String
    }

    static func split(_ text: String) throws(SplitError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            if let open = quote {
                if character == open {
                    quote = nil
                } else if character == "\\", open == "\"", let next = iterator.next() {
                    if next != "\"" && next != "\\" { current.append("\\") }
                    current.append(next)
                } else {
                    current.append(character)
                }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character == "\\" {
                if let next = iterator.next() { current.append(next) }
                inWord = true
            } else if character == " " || character == "\t" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if let open = quote { throw SplitError(message: "unterminated \(open) quote") }
        if inWord { words.append(current) }
        return words
    }
}
