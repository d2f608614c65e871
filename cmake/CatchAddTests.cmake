# Writes one CTest test per Catch2 test case; run by catch_discover_tests (Catch.cmake) after every
# build of the test executable. Replaces Catch2 2.13's own CatchAddTests.cmake (CMakeLists.txt
# points _CATCH_DISCOVER_TESTS_SCRIPT here) for one reason: that script keeps the names in a CMake
# list, and CMake does not split a list inside square brackets, so one test name with an unbalanced
# '[' (e.g. "Dropout refuses p outside [0, 1)") swallowed every later test into a single bogus test.
# Here names are read line by line with '[', ']' and ';' replaced by placeholders until written out.
#
# Inputs (-D, from Catch.cmake): TEST_EXECUTABLE TEST_EXECUTOR TEST_WORKING_DIR TEST_SPEC
# TEST_EXTRA_ARGS TEST_PROPERTIES TEST_PREFIX TEST_SUFFIX TEST_LIST CTEST_FILE (TEST_REPORTER and
# TEST_OUTPUT_* are honoured too).

if(NOT EXISTS "${TEST_EXECUTABLE}")
  message(FATAL_ERROR "Specified test executable '${TEST_EXECUTABLE}' does not exist")
endif()

execute_process(
  COMMAND ${TEST_EXECUTOR} "${TEST_EXECUTABLE}" ${TEST_SPEC} --list-test-names-only
  OUTPUT_VARIABLE output
  RESULT_VARIABLE result
  WORKING_DIRECTORY "${TEST_WORKING_DIR}")
# Catch exits with the number of tests listed; only a negative value or a non-number is an error.
if(NOT result MATCHES "^[0-9]+$")
  message(FATAL_ERROR "Error running test executable '${TEST_EXECUTABLE}':\n  Result: ${result}\n  Output: ${output}\n")
endif()

# Bracket arguments ([=====[...]=====]) survive any character except the closing sequence itself.
function(quote out value)
  set(${out} "[=====[${value}]=====]" PARENT_SCOPE)
endfunction()

set(encoded "${output}")
string(REPLACE "[" "@BNLAB_LB@" encoded "${encoded}")
string(REPLACE "]" "@BNLAB_RB@" encoded "${encoded}")
string(REPLACE ";" "@BNLAB_SC@" encoded "${encoded}")
string(REPLACE "\n" ";" lines "${encoded}")

set(extra "")
foreach(arg IN LISTS TEST_EXTRA_ARGS)
  quote(q "${arg}")
  string(APPEND extra " ${q}")
endforeach()
if(TEST_REPORTER)
  string(APPEND extra " --reporter ${TEST_REPORTER}")
endif()
set(props "")
foreach(p IN LISTS TEST_PROPERTIES)
  quote(q "${p}")
  string(APPEND props " ${q}")
endforeach()
quote(q_exe "${TEST_EXECUTABLE}")
quote(q_dir "${TEST_WORKING_DIR}")
set(executor "")
foreach(e IN LISTS TEST_EXECUTOR)
  quote(q "${e}")
  string(APPEND executor "${q} ")
endforeach()

set(script "")
set(names "")
foreach(line IN LISTS lines)
  string(STRIP "${line}" stripped)
  if(stripped STREQUAL "")
    continue()
  endif()
  # The CTest name shows the test as written; the argument to Catch escapes ',', '[' and ']',
  # which Catch would otherwise read as a list of names or a tag.
  set(name "${line}")
  set(arg "${line}")
  string(REPLACE "," "\\," arg "${arg}")
  string(REPLACE "@BNLAB_LB@" "\\[" arg "${arg}")
  string(REPLACE "@BNLAB_RB@" "\\]" arg "${arg}")
  foreach(v name arg)
    string(REPLACE "@BNLAB_LB@" "[" ${v} "${${v}}")
    string(REPLACE "@BNLAB_RB@" "]" ${v} "${${v}}")
    string(REPLACE "@BNLAB_SC@" ";" ${v} "${${v}}")
  endforeach()
  set(name "${TEST_PREFIX}${name}${TEST_SUFFIX}")
  set(out_arg "")
  if(TEST_OUTPUT_DIR)
    string(REGEX REPLACE "[^A-Za-z0-9_]" "_" clean "${name}")
    quote(q "${TEST_OUTPUT_DIR}/${TEST_OUTPUT_PREFIX}${clean}${TEST_OUTPUT_SUFFIX}")
    set(out_arg " --out ${q}")
  endif()
  quote(q_name "${name}")
  quote(q_arg "${arg}")
  string(APPEND script "add_test(${q_name} ${executor}${q_exe} ${q_arg}${extra}${out_arg})\n")
  string(APPEND script "set_tests_properties(${q_name} PROPERTIES WORKING_DIRECTORY ${q_dir}${props})\n")
  string(APPEND names " ${q_name}")
endforeach()
if(TEST_LIST)
  string(APPEND script "set(${TEST_LIST}${names})\n")
endif()

file(WRITE "${CTEST_FILE}" "${script}")
