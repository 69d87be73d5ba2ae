# CMake generated Testfile for 
# Source directory: /work/main/tests
# Build directory: /work/main/build/tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[scenarios.foundation]=] "/work/main/build/mmsim" "check" "/work/main/tests/scenarios/foundation" "/work/main/tests/scenarios/shared")
set_tests_properties([=[scenarios.foundation]=] PROPERTIES  LABELS "scenario" TIMEOUT "600" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;13;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[fuzz.garbage]=] "/work/main/build/tests/test_garbage" "12345" "3000")
set_tests_properties([=[fuzz.garbage]=] PROPERTIES  LABELS "fuzz" TIMEOUT "600" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;22;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[cli.usage_error]=] "/work/main/build/mmsim" "run" "/work/main/tests/cli/bad-unbound.mms")
set_tests_properties([=[cli.usage_error]=] PROPERTIES  WILL_FAIL "TRUE" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;26;add_test;/work/main/tests/CMakeLists.txt;0;")
add_test([=[cli.tour]=] "/work/main/build/mmsim" "run")
set_tests_properties([=[cli.tour]=] PROPERTIES  PASS_REGULAR_EXPRESSION "23: write = SIGSEGV \\+0p" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;28;add_test;/work/main/tests/CMakeLists.txt;0;")
