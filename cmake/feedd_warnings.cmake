# Per-target warnings; FEEDD_WERROR turns them into errors (CI sets it).
function(feedd_apply_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wold-style-cast
    -Wnon-virtual-dtor -Woverloaded-virtual)
  if(FEEDD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
    # g++ 12 at -O3 reports impossible overlaps inside std::string's own copies
    # ("literal" + std::string and the like; GCC bug 105329). It stays a warning there.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
      target_compile_options(${target} PRIVATE -Wno-error=restrict)
    endif()
  endif()
endfunction()
