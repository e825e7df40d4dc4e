# SPDX-License-Identifier: Apache-2.0
# sparkforge-tools_<version>_<arch>.deb, built with every tool; a cross
# build for arm64 makes the arm64 package. Included at the end of
# runtime-tools/CMakeLists.txt, once every tool is declared.
set(SPARKFORGE_PACKAGE_DIR ${CMAKE_BINARY_DIR}/packages CACHE PATH
  "Where the sparkforge-tools .deb is written")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(SPARKFORGE_DEB_ARCH arm64)
else()
  set(SPARKFORGE_DEB_ARCH amd64)
endif()
set(SPARKFORGE_TOOLS_DEB ${SPARKFORGE_PACKAGE_DIR}/sparkforge-tools_${PROJECT_VERSION}_${SPARKFORGE_DEB_ARCH}.deb)

get_property(collectors GLOBAL PROPERTY SPARKFORGE_COLLECTORS)
get_property(controllers GLOBAL PROPERTY SPARKFORGE_CONTROLLERS)
list(JOIN collectors " " collector_words)
list(JOIN controllers " " controller_words)
list(JOIN CMAKE_CROSSCOMPILING_EMULATOR " " emulator_words)
file(GLOB package_inputs CONFIGURE_DEPENDS
  ${CMAKE_CURRENT_SOURCE_DIR}/package/*
  ${CMAKE_CURRENT_SOURCE_DIR}/package/etc/*
  ${CMAKE_CURRENT_SOURCE_DIR}/package/systemd/*)

add_custom_command(
  OUTPUT ${SPARKFORGE_TOOLS_DEB}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${SPARKFORGE_PACKAGE_DIR}
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/package/build-deb
    --bin ${CMAKE_RUNTIME_OUTPUT_DIRECTORY} --arch ${SPARKFORGE_DEB_ARCH}
    --version ${PROJECT_VERSION} --out ${SPARKFORGE_TOOLS_DEB}
    --collectors "${collector_words}" --controllers "${controller_words}"
    --emulator "${emulator_words}"
  DEPENDS ${collectors} ${controllers} ${package_inputs}
  COMMENT "Packaging sparkforge-tools for ${SPARKFORGE_DEB_ARCH}"
  VERBATIM)
add_custom_target(sparkforge_tools_deb ALL DEPENDS ${SPARKFORGE_TOOLS_DEB})
