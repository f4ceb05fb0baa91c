# uh_add_plugin(name SOURCES ... LIBRARIES ...): a plugin as a MODULE with no
# "lib" prefix, written to build/plugins, exporting only uh_plugin_entry.
set(UH_PLUGIN_DIR ${PROJECT_BINARY_DIR}/plugins)
function(uh_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES")
  if(NOT arg_OUTPUT_DIRECTORY)
    set(arg_OUTPUT_DIRECTORY ${UH_PLUGIN_DIR})
  endif()
  add_library(${name} MODULE ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE uberhost::sdk ${arg_LIBRARIES})
  uh_target_defaults(${name})
  set_target_properties(${name} PROPERTIES PREFIX ""
    LIBRARY_OUTPUT_DIRECTORY ${arg_OUTPUT_DIRECTORY})
  target_link_options(${name} PRIVATE
    -Wl,--version-script=${PROJECT_SOURCE_DIR}/cmake/uh_plugin.map)
  # Every symbol resolved at link time, except under sanitizers: their
  # runtime lives in the executable, not in the module.
  if(NOT UH_SANITIZE)
    target_link_options(${name} PRIVATE -Wl,-z,defs)
  endif()
  if(TARGET uh_plugins)
    add_dependencies(uh_plugins ${name})
  endif()
  # Plugins of the tree (not the tests' own) install beside the binary,
  # where `uberhost` looks for them: <prefix>/lib/uberhost/plugins.
  if(arg_OUTPUT_DIRECTORY STREQUAL UH_PLUGIN_DIR)
    install(TARGETS ${name} LIBRARY DESTINATION lib/uberhost/plugins)
  endif()
endfunction()
