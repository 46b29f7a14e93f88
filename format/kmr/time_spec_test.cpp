#include "kmr/time_spec.h"

#include <catch2/catch.hpp>

#include "kmr/error.h"

namespace kmr {
namespace {

TEST_CASE("time arguments parse to what they say", "[time]") {
  auto rel = [](const char* s) {
    TimeSpec t = parseTimeSpec(s);
    REQUIRE(t.kind == TimeSpec::Kind::Relative);
    return t.ns;
  };
  CHECK(rel("2.5s") == 2500000000);
  CHECK(rel("1500ms") == 1500000000);
  CHECK(rel("250us") == 250000);
  CHECK(rel("100ns") == 100);
  CHECK(rel("0.000000001s") == 1);
  CHECK(rel(".5s") == 500000000);
  CHECK(rel("1.25ms") == 1250000);
  CHECK(parseTimeSpec("37%").percent == Approx(37));
  CHECK(parseTimeSpec("37.5%").kind == TimeSpec::Kind::Percent);
  CHECK(parseTimeSpec("event:42").event == 42);
  CHECK(parseTimeSpec("mono:123456789").ns == 123456789);
  CHECK(parseTimeSpec("start").kind == TimeSpec::Kind::Start);
  CHECK(parseTimeSpec("end").kind == TimeSpec::Kind::End);
}

TEST_CASE("bad time arguments are refused with the accepted forms", "[time]") {
  for (const char* s : {"", "2.5", "s", "2.5x", "-1s", "1..2s", "2.s", "event:", "event:x",
                        "mono:", "mono:-5", "%", "abc%", "1.0000000001s", "99999999999999999999s"}) {
    INFO(s);
    try {
      parseTimeSpec(s);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.code() == Error::Code::Syntax);
      CHECK(std::string(e.what()).find("event:N") != std::string::npos);
    }
  }
}

TEST_CASE("relative times print with microseconds", "[time]") {
  CHECK(formatSeconds(0) == "0.000000s");
  CHECK(formatSeconds(2500000000) == "2.500000s");
  CHECK(formatSeconds(-1500) == "-0.000001s");
}

}  // namespace
}  // namespace kmr
