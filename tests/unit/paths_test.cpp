// Writing and reading files in directories someone else may write (a
// guest's forensics/, which the jailed forensics worker writes): a symlink
// planted at the temp file's name, at a log's name or at a file read is
// never followed to a host file.
#include "oyster/common/paths.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oyster/common/error.h"
#include "oyster/jail/process_jail.h"
#include "temp_dir.h"

namespace oyster {
namespace {

class PathsTest : public testing::TempDirTest {};

TEST_F(PathsTest, AnAtomicWriteNeverWritesThroughAPlantedSymlink) {
    auto victim = dir / "host-file";
    write_file_atomic(victim, "precious\n");
    auto target = dir / "reported";
    // Its temp file's name, for this process (what a worker that guessed
    // the sensor's pid would plant).
    auto tmp = target;
    tmp += ".tmp." + std::to_string(::getpid());
    std::filesystem::create_symlink(victim, tmp);
    write_file_atomic(target, "2026-11-28T00:00:00Z\n");
    EXPECT_EQ(read_file(victim), "precious\n");
    EXPECT_EQ(read_file(target), "2026-11-28T00:00:00Z\n");
    EXPECT_FALSE(std::filesystem::is_symlink(target));
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(tmp)));
}

TEST_F(PathsTest, AReadOfAWorkersFileRefusesASymlink) {
    write_file_atomic(dir / "host-file", "{\"secret\": 1}\n");
    std::filesystem::create_symlink(dir / "host-file", dir / "analysis.json");
    EXPECT_THROW(read_regular_file(dir / "analysis.json"), Error);
    std::filesystem::create_directory(dir / "d");
    EXPECT_THROW(read_regular_file(dir / "d"), Error);
    write_file_atomic(dir / "real.json", "{}\n");
    EXPECT_EQ(read_regular_file(dir / "real.json"), "{}\n");
}

TEST_F(PathsTest, AProcessLogIsNotOpenedThroughASymlink) {
    write_file_atomic(dir / "host-file", "precious\n");
    std::filesystem::create_symlink(dir / "host-file", dir / "worker.log");
    EXPECT_THROW(spawn_session({"/bin/echo", "appended"}, dir / "worker.log"), Error);
    EXPECT_EQ(read_file(dir / "host-file"), "precious\n");
}

}  // namespace
}  // namespace oyster
