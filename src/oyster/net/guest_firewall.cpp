#include "oyster/net/guest_firewall.h"

#include <nftables/libnftables.h>

#include <memory>

#include <fmt/format.h>

#include "oyster/net/tap.h"

namespace oyster {
namespace {

class NftContext {
public:
    NftContext() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT), nft_ctx_free) {
        if (!ctx_) throw Error("nftables: cannot create a context");
        nft_ctx_buffer_output(ctx_.get());
        nft_ctx_buffer_error(ctx_.get());
    }

    void run(const std::string& commands, const std::string& what) {
        if (nft_run_cmd_from_buffer(ctx_.get(), commands.c_str()) != 0) {
            std::string err = nft_ctx_get_error_buffer(ctx_.get());
            while (!err.empty() && err.back() == '\n') err.pop_back();
            throw Error(fmt::format("nftables: {}: {}", what, err));
        }
    }

private:
    std::unique_ptr<nft_ctx, decltype(&nft_ctx_free)> ctx_;
};

constexpr const char* kTable = "inet oyster";

}  // namespace

std::string guest_containment_ruleset() {
    std::string guests = fmt::format("iifname \"{}*\"", kTapPrefix);
    std::string chains;
    for (const char* hook : {"input", "forward"}) {
        chains += fmt::format(
            "add chain {0} guest_{1} {{ type filter hook {1} priority -10; policy accept; }}\n"
            "add rule {0} guest_{1} {2} ct state established,related accept\n"
            "add rule {0} guest_{1} {2} counter drop\n",
            kTable, hook, guests);
    }
    // add + delete + add makes the whole replacement one atomic transaction,
    // whether or not the table existed.
    return fmt::format("add table {0}\ndelete table {0}\nadd table {0}\n{1}", kTable, chains);
}

void install_guest_containment() {
    NftContext().run(guest_containment_ruleset(), "install table inet oyster");
}

void remove_guest_containment() {
    NftContext().run(fmt::format("add table {0}\ndelete table {0}\n", kTable), "remove table inet oyster");
}

}  // namespace oyster
