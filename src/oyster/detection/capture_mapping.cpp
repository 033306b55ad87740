#include "oyster/detection/capture_mapping.h"

#include <cerrno>

#include "oyster/capture/login_attempt.h"
#include "oyster/capture/socket_address.h"
#include "oyster/capture/syscall_names.h"

namespace oyster::detection {
namespace {

struct CategoryFields {
    std::string_view category;
    std::vector<std::string_view> fields;
};

const std::vector<CategoryFields>& categories() {
    static const std::vector<CategoryFields> kCategories = {
        {"process_creation",
         {"Image", "CommandLine", "CurrentDirectory", "User", "ProcessId", "ParentProcessId", "ParentImage",
          "ParentCommandLine", "ParentUser"}},
        {"file_event", {"TargetFilename", "SourceFilename", "Image", "ProcessId", "User"}},
        {"file_delete", {"TargetFilename", "Image", "ProcessId", "User", "TargetImageRunning"}},
        {"network_connection",
         {"DestinationIp", "DestinationPort", "Protocol", "Initiated", "Image", "ProcessId", "User"}},
        {"login", {"TargetUserName", "Password", "SourceIp", "SourcePort", "Service", "Success"}},
    };
    return kCategories;
}

std::string join_argv(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) {
        if (!out.empty()) out += ' ';
        out += a;
    }
    return out;
}

std::string image_of(const capture::ExecRecord& e) {
    return e.path.empty() ? e.filename : e.path;
}

void add_process_fields(SigmaEvent& ev, const capture::Actor& a, const ProcessTable& processes) {
    const auto* p = processes.find(a.tgid);
    ev.set("Image", p ? *p->image : std::string());
    ev.set("ProcessId", std::to_string(a.tgid));
    ev.set("User", user_name(a.euid));
}

// A connect that put a packet on the wire: it succeeded, is under way,
// or the peer (or a router on the way) answered. A scanner's refused and
// timed-out attempts are what the network rules look for; a call refused
// locally (bad socket, no route) sent nothing.
bool connection_attempted(std::int64_t result) {
    return result >= 0 || result == -EINPROGRESS || result == -ECONNREFUSED || result == -ETIMEDOUT ||
           result == -EHOSTUNREACH || result == -ECONNRESET;
}

}  // namespace

const std::vector<std::string_view>* category_fields(std::string_view category) {
    for (const auto& c : categories()) {
        if (c.category == category) return &c.fields;
    }
    return nullptr;
}

const std::vector<std::string_view>& fed_categories() {
    static const std::vector<std::string_view> kNames = [] {
        std::vector<std::string_view> out;
        for (const auto& c : categories()) out.push_back(c.category);
        return out;
    }();
    return kNames;
}

std::string user_name(std::uint32_t uid) {
    return uid == 0 ? "root" : std::to_string(uid);
}

void ProcessTable::observe(const capture::Record& r) {
    const capture::Actor& a = r.actor;
    if (const auto* e = std::get_if<capture::ExecRecord>(&r.body)) {
        if (processes_.size() >= kMaxProcesses && !processes_.contains(a.tgid)) return;
        set(a.tgid, Process{std::make_shared<const std::string>(image_of(*e)),
                            std::make_shared<const std::string>(join_argv(e->argv)), a.euid});
    } else if (const auto* f = std::get_if<capture::ForkRecord>(&r.body)) {
        if ((f->clone_flags & capture::kCloneThread) != 0 || f->child_tgid == a.tgid) return;
        if (processes_.size() >= kMaxProcesses) return;
        auto parent = processes_.find(a.tgid);
        if (parent != processes_.end()) set(f->child_tgid, parent->second);
    } else if (const auto* x = std::get_if<capture::ExitRecord>(&r.body)) {
        if (x->thread_group_dead) erase(a.tgid);
    }
}

void ProcessTable::set(std::uint32_t tgid, Process p) {
    erase(tgid);
    ++images_[*p.image];
    processes_.emplace(tgid, std::move(p));
}

void ProcessTable::erase(std::uint32_t tgid) {
    auto it = processes_.find(tgid);
    if (it == processes_.end()) return;
    auto img = images_.find(*it->second.image);
    if (img != images_.end() && --img->second == 0) images_.erase(img);
    processes_.erase(it);
}

const ProcessTable::Process* ProcessTable::find(std::uint32_t tgid) const {
    auto it = processes_.find(tgid);
    return it == processes_.end() ? nullptr : &it->second;
}

std::optional<SigmaEvent> sigma_event_for(const capture::Record& r, const ProcessTable& processes) {
    const capture::Actor& a = r.actor;
    if (const auto* e = std::get_if<capture::ExecRecord>(&r.body)) {
        SigmaEvent ev("process_creation");
        ev.set("Image", image_of(*e));
        ev.set("CommandLine", join_argv(e->argv));
        ev.set("CurrentDirectory", e->cwd);
        ev.set("User", user_name(a.euid));
        ev.set("ProcessId", std::to_string(a.tgid));
        ev.set("ParentProcessId", std::to_string(a.ppid));
        const auto* parent = processes.find(a.ppid);
        ev.set("ParentImage", parent ? *parent->image : std::string());
        ev.set("ParentCommandLine", parent ? *parent->command_line : std::string());
        ev.set("ParentUser", parent ? user_name(parent->uid) : std::string());
        return ev;
    }
    if (const auto* f = std::get_if<capture::FileRecord>(&r.body)) {
        if (f->result < 0) return std::nullopt;  // nothing was written or removed
        using capture::FileOp;
        bool deleted = f->op == FileOp::unlink || f->op == FileOp::rmdir;
        bool created = f->op == FileOp::open_write || f->op == FileOp::rename || f->op == FileOp::link ||
                       f->op == FileOp::symlink || f->op == FileOp::mkdir || f->op == FileOp::mknod ||
                       f->op == FileOp::truncate;
        if (!deleted && !created) return std::nullopt;
        SigmaEvent ev(deleted ? "file_delete" : "file_event");
        // A rename's and a link's new name is path2; a symlink's path2 is
        // what it points to, its own name is path.
        bool new_name_second = f->op == FileOp::rename || f->op == FileOp::link;
        ev.set("TargetFilename", new_name_second ? f->path2 : f->path);
        if (f->op == FileOp::rename) ev.set("SourceFilename", f->path);
        if (deleted) ev.set("TargetImageRunning", processes.runs(f->path) ? "true" : "false");
        add_process_fields(ev, a, processes);
        return ev;
    }
    if (const auto* s = std::get_if<capture::SocketRecord>(&r.body)) {
        if (capture::syscall_name(s->syscall) != "connect") return std::nullopt;
        if (!connection_attempted(s->result)) return std::nullopt;
        auto remote = capture::inet_endpoint(s->remote);
        if (!remote) return std::nullopt;
        SigmaEvent ev("network_connection");
        ev.set("DestinationIp", remote->address);
        ev.set("DestinationPort", std::to_string(remote->port));
        ev.set("Protocol", capture::ip_protocol_name(s->protocol) == "default"
                               ? ((s->sock_type & 0xf) == 2 ? "udp" : "tcp")
                               : capture::ip_protocol_name(s->protocol));
        ev.set("Initiated", "true");
        add_process_fields(ev, a, processes);
        return ev;
    }
    if (const auto* h = std::get_if<capture::HoneylogRecord>(&r.body)) {
        auto login = capture::parse_login_report(h->data);
        if (!login) return std::nullopt;
        SigmaEvent ev("login");
        ev.set("TargetUserName", login->user);
        ev.set("Password", login->password);
        ev.set("SourceIp", login->remote_ip);
        ev.set("SourcePort", std::to_string(login->remote_port));
        ev.set("Service", login->service);
        ev.set("Success", login->accepted ? "true" : "false");
        return ev;
    }
    return std::nullopt;
}

}  // namespace oyster::detection
