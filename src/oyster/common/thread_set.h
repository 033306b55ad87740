// Short-lived worker threads (a guest boot, a guest shutdown, a mail
// session) that must all be joined: finished ones are joined by reap(), the
// rest by the destructor, so none outlives what it uses.
#pragma once

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

namespace oyster {

class ThreadSet {
public:
    ThreadSet() = default;
    ~ThreadSet() { join_all(); }
    ThreadSet(const ThreadSet&) = delete;
    ThreadSet& operator=(const ThreadSet&) = delete;

    void spawn(std::function<void()> work) {
        reap();
        auto done = std::make_shared<std::atomic<bool>>(false);
        std::lock_guard lock(mu_);
        threads_.push_back({done, std::jthread([work = std::move(work), done] {
                                work();
                                *done = true;
                            })});
    }

    // Joins the threads that have finished.
    void reap() {
        std::list<Entry> finished;
        {
            std::lock_guard lock(mu_);
            for (auto it = threads_.begin(); it != threads_.end();) {
                auto next = std::next(it);
                if (*it->done) finished.splice(finished.end(), threads_, it);
                it = next;
            }
        }
    }

    void join_all() {
        std::list<Entry> all;
        {
            std::lock_guard lock(mu_);
            all.swap(threads_);
        }
    }

private:
    struct Entry {
        std::shared_ptr<std::atomic<bool>> done;
        std::jthread thread;
    };
    std::mutex mu_;
    std::list<Entry> threads_;
};

}  // namespace oyster
