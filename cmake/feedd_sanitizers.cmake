# FEEDD_SANITIZE=address,undefined builds a target (tests included) with sanitizers.
function(feedd_apply_sanitizers target)
  if(FEEDD_SANITIZE)
    target_compile_options(${target} PRIVATE
      -fsanitize=${FEEDD_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${FEEDD_SANITIZE})
  endif()
endfunction()
