# Per-target warnings; FEEDD_WERROR turns them into errors (CI sets it).
function(feedd_apply_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wold-style-cast
    -Wnon-virtual-dtor -Woverloaded-virtual)
  if(FEEDD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
