// Launch mode and --comm on the build machine (no module needed).
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include <kmemrec/abi.h>

#include "comm_wait.h"
#include "launch.h"

using namespace kmr::recorder;

TEST_CASE("the child runs only when released") {
  char dir[] = "/tmp/kmrlaunchXXXXXX";
  REQUIRE(mkdtemp(dir));
  std::string flag = std::string(dir) + "/ran";
  {
    LaunchedChild c("/bin/sh", {"sh", "-c", "touch " + flag});
    usleep(100000);
    CHECK_FALSE(std::filesystem::exists(flag));  // still at the gate
    c.release();
    CHECK(WIFEXITED(c.wait()));
    CHECK(WEXITSTATUS(c.wait()) == 0);
    CHECK(std::filesystem::exists(flag));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a child never released is reaped without running") {
  pid_t pid;
  {
    LaunchedChild c("/bin/sh", {"sh", "-c", "exit 5"});
    pid = c.pid();
  }
  CHECK(kill(pid, 0) == -1);  // gone and reaped
}

TEST_CASE("exec failures reach the parent") {
  char dir[] = "/tmp/kmrlaunchXXXXXX";
  REQUIRE(mkdtemp(dir));
  std::string noexec = std::string(dir) + "/x";
  FILE* f = fopen(noexec.c_str(), "w");
  fputs("not a program\n", f);
  fclose(f);
  chmod(noexec.c_str(), 0755);
  LaunchedChild c(noexec, {"x"});
  CHECK_THROWS_WITH(c.release(), Catch::Contains("exec failed"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("programs are found like execvp finds them") {
  CHECK(resolveProgram("sh").find("/sh") != std::string::npos);
  CHECK(resolveProgram("/bin/sh") == "/bin/sh");
  CHECK_THROWS_WITH(resolveProgram("no-such-program-kmr"), Catch::Contains("not found in PATH"));
  CHECK_THROWS_WITH(resolveProgram("/no/such/file"), Catch::Contains("No such file"));
  CHECK_THROWS_WITH(resolveProgram("/tmp"), Catch::Contains("not an executable"));
}

TEST_CASE("wait status in words") {
  CHECK(kmr::describeWaitStatus(3 << 8) == "exited with status 3");
  CHECK(kmr::describeWaitStatus(SIGKILL) == "killed by SIGKILL");
}

TEST_CASE("why a session ended at an exec, in words") {
  CHECK(describeExitFlags(0) == "");
  CHECK(describeExitFlags(KMR_EXIT_F_EXEC_DENIED | KMR_EXIT_F_SECUREEXEC | KMR_EXIT_F_EXEC_CREDS) ==
        "exec'ed a program the recorder may not trace (set-id, file capabilities or a security-module "
        "domain change, its ids or capabilities are not the recorder's): the recording ends at that exec");
  CHECK(describeExitFlags(KMR_EXIT_F_EXEC_DENIED) ==
        "exec'ed a program the recorder may not trace: the recording ends at that exec");
  CHECK(describeExitFlags(KMR_EXIT_F_EXEC_UNFOLLOWED) ==
        "exec'ed a program the module could not follow: the recording ends at that exec");
}

TEST_CASE("--comm finds a process that starts later") {
  char dir[] = "/tmp/kmrcommXXXXXX";
  REQUIRE(mkdtemp(dir));
  std::string prog = std::string(dir) + "/kmrcommprobe";
  std::filesystem::copy_file("/bin/sleep", prog);
  CHECK_FALSE(findProcessByComm("kmrcommprobe"));
  int stop = eventfd(0, EFD_CLOEXEC);
  LaunchedChild c(prog, {"kmrcommprobe", "5"});
  std::thread starter([&] {
    usleep(200000);
    c.release();
  });
  auto pid = waitForComm("kmrcommprobe", 10'000'000'000, stop);
  starter.join();
  REQUIRE(pid);
  CHECK(*pid == c.pid());
  kill(c.pid(), SIGKILL);
  c.wait();
  // Not there: the timeout ends the wait, and so does the stop fd.
  CHECK_FALSE(waitForComm("kmrcommprobe", 50'000'000, stop));
  uint64_t one = 1;
  CHECK(write(stop, &one, 8) == 8);
  CHECK_FALSE(waitForComm("kmrcommprobe", 0, stop));
  close(stop);
  std::filesystem::remove_all(dir);
}

TEST_CASE("CommWatcher reports every process of the name once, running or later") {
  char dir[] = "/tmp/kmrcommXXXXXX";
  REQUIRE(mkdtemp(dir));
  std::string prog = std::string(dir) + "/kmrcommwatch";
  std::filesystem::copy_file("/bin/sleep", prog);
  int stop = eventfd(0, EFD_CLOEXEC);
  LaunchedChild a(prog, {"kmrcommwatch", "5"});
  a.release();
  // a is running before the watcher: its first poll's scan finds it
  // (after a's exec: wait until its name is the program's)
  for (int i = 0; i < 200 && !findProcessByComm("kmrcommwatch"); i++) usleep(10000);
  CommWatcher w("kmrcommwatch");
  std::vector<pid_t> got;
  auto collect = [&](size_t want) {
    for (int i = 0; i < 100 && got.size() < want; i++)
      for (pid_t p : w.poll(100, stop)) got.push_back(p);
  };
  collect(1);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == a.pid());
  // b and c start later; each is reported once, a never again
  LaunchedChild b(prog, {"kmrcommwatch", "5"});
  b.release();
  collect(2);
  LaunchedChild c(prog, {"kmrcommwatch", "5"});
  c.release();
  collect(3);
  for (int i = 0; i < 12; i++)  // past a rescan (1 s with the connector)
    for (pid_t p : w.poll(100, stop)) got.push_back(p);
  REQUIRE(got.size() == 3);
  CHECK(got[1] == b.pid());
  CHECK(got[2] == c.pid());
  for (LaunchedChild* l : {&a, &b, &c}) {
    kill(l->pid(), SIGKILL);
    l->wait();
  }
  close(stop);
  std::filesystem::remove_all(dir);
}
