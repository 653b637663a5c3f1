# Installs the build into a fresh prefix and runs the installed feedd from there: it must find
# its mail module where it was installed (<libdir>/feedd), not next to the binary, and compose
# a digest with it. Run as: cmake -DBUILD_DIR=... -DWORK_DIR=... -DBINDIR=bin -DFEED=file.xml
#   -P check_install.cmake
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}"
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(rc)
  message(FATAL_ERROR "cmake --install failed: ${err}")
endif()
set(feedd "${prefix}/${BINDIR}/feedd")
file(GLOB_RECURSE modules LIST_DIRECTORIES false "${prefix}/*/feedd_mail.so")
if(NOT EXISTS "${feedd}" OR NOT modules MATCHES "/feedd/feedd_mail.so$" OR EXISTS "${prefix}/${BINDIR}/feedd_mail.so")
  message(FATAL_ERROR "unexpected installed layout: feedd ${feedd}, modules: ${modules}")
endif()

file(WRITE "${WORK_DIR}/feedd.toml" "[storage]\npath = \"feedd.db\"\n\n[[feed]]\nurl = \"${FEED}\"\n\n"
  "[[topic]]\nname = \"putin\"\nmatch = \"putin\"\n"
  "digest = { schedule = \"daily 07:00\", to = [\"reader@example.org\"] }\n\n"
  "[mail]\nsendmail = \"/bin/false\"\nfrom = \"news@example.org\"\n")
execute_process(COMMAND "${feedd}" poll --once --config "${WORK_DIR}/feedd.toml"
                WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(rc)
  message(FATAL_ERROR "installed feedd poll failed (${rc}): ${err}")
endif()
execute_process(COMMAND "${feedd}" digest --config "${WORK_DIR}/feedd.toml" --topic putin --dry-run
                WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(rc OR NOT out MATCHES "Content-Type: multipart/alternative" OR NOT out MATCHES "Putin speaks")
  message(FATAL_ERROR "installed feedd digest --dry-run failed (${rc}): ${err}\n${out}")
endif()
message(STATUS "installed layout ok: ${feedd} loads ${modules}")
