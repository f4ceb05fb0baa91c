# uh_target_defaults(target): warnings, -Werror, POSIX, sanitizers, per target.
function(uh_target_defaults target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wvla
    $<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes -Wmissing-prototypes>
    $<$<BOOL:${UH_WERROR}>:-Werror>)
  target_compile_definitions(${target} PRIVATE _DEFAULT_SOURCE)
  if(UH_SANITIZE)
    target_compile_options(${target} PRIVATE
      -fsanitize=${UH_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${UH_SANITIZE})
  endif()
endfunction()
