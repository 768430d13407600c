# hub_add_plugin(NAME <name> SOURCES <files...> [LIBRARIES <targets...>] [OUTPUT_DIRECTORY <dir>]
#                [NO_INSTALL])
# Builds plugins/<name> as the loadable module hub_<name>.so the way the host expects:
# hidden visibility (only the descriptor symbol is exported), no undefined symbols,
# Boost.DLL without Boost.Filesystem, linked against the shared SDK.
function(hub_add_plugin)
  cmake_parse_arguments(HP "NO_INSTALL" "NAME;OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT HP_NAME)
    message(FATAL_ERROR "hub_add_plugin: NAME is required")
  endif()
  set(target hub_${HP_NAME})
  add_library(${target} MODULE ${HP_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME hub_${HP_NAME}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(HP_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${HP_OUTPUT_DIRECTORY})
  elseif(DEFINED HUB_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${HUB_PLUGIN_OUTPUT_DIR})
  endif()
  target_compile_definitions(${target} PRIVATE BOOST_DLL_USE_STD_FS)
  target_compile_features(${target} PRIVATE cxx_std_20)
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  target_link_libraries(${target} PRIVATE HubSDK::sdk ${HP_LIBRARIES})
  if(NOT HP_NO_INSTALL)
    include(GNUInstallDirs)
    install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/hub/plugins COMPONENT hubd)
  endif()
endfunction()
