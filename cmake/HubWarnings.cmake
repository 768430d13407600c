# Warnings for Hub's own targets (system headers of POCO/Boost/yaml-cpp stay quiet).
function(hub_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow)
endfunction()
