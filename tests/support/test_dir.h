// A fresh directory per test, named after the test and removed afterwards: for tests that open a
// real SQLite store. Hermetic: nothing is shared between tests or runs.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace wharf::testing {

class TestDir {
 public:
  explicit TestDir(const std::string& prefix)
      : path_(std::filesystem::temp_directory_path() /
              (prefix + "-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TestDir() { std::filesystem::remove_all(path_); }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // "sqlite://<dir>/<file>"
  std::string sqlite_url(const std::string& file = "w.db") const {
    return "sqlite://" + (path_ / file).string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace wharf::testing
