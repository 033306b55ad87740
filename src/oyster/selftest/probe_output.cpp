#include "oyster/selftest/probe_output.h"

#include "oyster/common/text_lines.h"

#include <charconv>

namespace oyster {

namespace {

bool plain_name(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

}  // namespace

std::string_view ProbeOutput::text(std::string_view name) const {
    auto it = sections.find(name);
    return it == sections.end() ? std::string_view{} : std::string_view{it->second.text};
}

std::optional<int> ProbeOutput::status(std::string_view name) const {
    auto it = sections.find(name);
    return it == sections.end() ? std::nullopt : it->second.status;
}

ProbeOutput parse_probe_output(std::string_view text, std::string_view nonce) {
    ProbeOutput out;
    if (nonce.empty()) return out;
    std::string marker = "=== " + std::string(nonce) + " ";
    ProbeSection* current = nullptr;
    std::size_t pos = 0;
    while (pos < text.size() && !out.complete) {
        std::size_t nl = text.find('\n', pos);
        std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(pos, end - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        if (line.starts_with(marker)) {
            std::string_view rest = line.substr(marker.size());
            if (rest == "end") {
                out.complete = true;
            } else if (rest.starts_with("status ")) {
                int value = 0;
                auto digits = rest.substr(7);
                auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
                if (current != nullptr && ec == std::errc{} && p == digits.data() + digits.size() && !current->status) {
                    current->status = value;
                    // The script ends each section's text with a newline of its own.
                    if (!current->text.empty() && current->text.back() == '\n') current->text.pop_back();
                }
                current = nullptr;
            } else if (plain_name(rest) && out.sections.size() < kMaxProbeSections && !out.sections.contains(rest)) {
                current = &out.sections[std::string(rest)];
            } else {
                // A repeated, malformed or surplus section: its text is dropped.
                current = nullptr;
            }
            continue;
        }
        if (current == nullptr) continue;
        if (current->text.size() + line.size() + 1 > kMaxProbeSectionBytes) continue;
        current->text.append(line);
        current->text.push_back('\n');
    }
    return out;
}

std::multimap<std::string, std::string, std::less<>> probe_fields(std::string_view section) {
    std::multimap<std::string, std::string, std::less<>> out;
    for (auto line : split_lines(section)) {
        auto sp = line.find(' ');
        if (sp == std::string_view::npos) continue;
        out.emplace(std::string(line.substr(0, sp)), std::string(line.substr(sp + 1)));
    }
    return out;
}

}  // namespace oyster
