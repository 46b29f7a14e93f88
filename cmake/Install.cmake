# What `cmake --install` puts where, by component (CPack builds one Debian
# package per component, cmake/Packaging.cmake):
#
#   tools  kmemrec, kmemreplay, kmemfetch, kmemsynth; their man pages,
#          kmemrec(4) and kmr(5); bash completion; the udev rule example
#          and sign-module.sh in share/kmemrec          -> package kmemrec
#   dev    the UAPI header <kmemrec/abi.h>, the trace library
#          (libkmemrec_format.a, <kmr/*.h>, kmr.capnp) with a CMake package
#          (find_package(kmemrec): kmemrec::format, kmemrec::abi) and a
#          pkg-config file (kmemrec-format)               -> kmemrec-dev
#   dkms   the module source in src/kmemrec-<version>/ for DKMS; not part
#          of a plain `cmake --install` (only --component dkms, with
#          --prefix /usr, where DKMS looks)                -> kmemrec-dkms
#
# tests/install/manifest.txt lists exactly what a plain install writes
# (ctest install.manifest).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(KMR_TOOLS kmemrec kmemreplay kmemfetch kmemsynth)
foreach(tool IN LISTS KMR_TOOLS)
  if(TARGET ${tool})
    install(TARGETS ${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)
    install(FILES docs/man/${tool}.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT tools)
    # bash-completion loads completions/<command>: one file serves all four.
    install(FILES docs/completion/kmemrec.bash RENAME ${tool}
      DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT tools)
  endif()
endforeach()
install(FILES docs/man/kmemrec.4 DESTINATION ${CMAKE_INSTALL_MANDIR}/man4 COMPONENT tools)
install(FILES docs/man/kmr.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5 COMPONENT tools)
install(FILES packaging/udev/60-kmemrec.rules
  DESTINATION ${CMAKE_INSTALL_DATADIR}/kmemrec/udev COMPONENT tools)
install(PROGRAMS kernel/sign-module.sh DESTINATION ${CMAKE_INSTALL_DATADIR}/kmemrec
  COMPONENT tools)

# dev: the library an outside project links.
install(FILES kernel/include/uapi/kmemrec/abi.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kmemrec COMPONENT dev)
if(TARGET kmemrec_format)
  set_target_properties(kmemrec_format PROPERTIES EXPORT_NAME format)
  set_target_properties(kmemrec_abi PROPERTIES EXPORT_NAME abi)
  install(TARGETS kmemrec_format kmemrec_abi EXPORT kmemrecTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(DIRECTORY format/kmr/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kmr COMPONENT dev
    FILES_MATCHING PATTERN "*.h")
  install(FILES format/kmr.capnp DESTINATION ${CMAKE_INSTALL_DATADIR}/kmemrec COMPONENT dev)
  set(cmakedir ${CMAKE_INSTALL_LIBDIR}/cmake/kmemrec)
  install(EXPORT kmemrecTargets NAMESPACE kmemrec:: DESTINATION ${cmakedir} COMPONENT dev)
  configure_package_config_file(cmake/install/kmemrecConfig.cmake.in
    ${PROJECT_BINARY_DIR}/kmemrecConfig.cmake INSTALL_DESTINATION ${cmakedir})
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/kmemrecConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
  install(FILES ${PROJECT_BINARY_DIR}/kmemrecConfig.cmake
    ${PROJECT_BINARY_DIR}/kmemrecConfigVersion.cmake DESTINATION ${cmakedir} COMPONENT dev)
  # Relocatable: the prefix is found from the .pc file's own directory.
  file(RELATIVE_PATH KMR_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
  configure_file(cmake/install/kmemrec-format.pc.in
    ${PROJECT_BINARY_DIR}/kmemrec-format.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/kmemrec-format.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
endif()

# dkms: the module's source, as DKMS wants it (dkms.conf at the top).
install(DIRECTORY kernel/ DESTINATION src/kmemrec-${PROJECT_VERSION}
  COMPONENT dkms EXCLUDE_FROM_ALL
  FILES_MATCHING PATTERN "*.c" PATTERN "*.h" PATTERN "Kbuild" PATTERN "Makefile"
  PATTERN "*.mk" PATTERN "dkms.conf"
  PATTERN "sign-module.sh" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
    GROUP_EXECUTE WORLD_READ WORLD_EXECUTE
  PATTERN "*.mod.c" EXCLUDE)
