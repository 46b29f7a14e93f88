# Debian packages with CPack, one per install component (cmake/Install.cmake):
#
#   kmemrec       the tools, man pages, completion, udev rule example;
#                 Depends computed by dpkg-shlibdeps (libcapnp-1.0, libzstd1,
#                 libstdc++6, ...), Recommends kmemrec-dkms
#   kmemrec-dev   the trace library, its headers, CMake and pkg-config files
#   kmemrec-dkms  the module source in /usr/src/kmemrec-<version>; postinst
#                 builds it for every installed kernel whose headers are
#                 present, prerm removes every build (packaging/deb/dkms/)
#
# Build: tests/install/deb_test.sh (cpack -G DEB in a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr), or by hand:
#   cmake -S . -B build-deb -DCMAKE_INSTALL_PREFIX=/usr -DKMR_PARTS="format;replayer;recorder;fetch"
#   cmake --build build-deb -j2 && (cd build-deb && cpack -G DEB)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kmemrec)
set(CPACK_PACKAGE_VENDOR kmemrec)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "kmemrec developers <kmemrec-devel@lists.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "record and replay what happens to a process's memory")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL tools dev dkms)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Release binaries without their debug info (RelWithDebInfo's is ~90 MB).
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME kmemrec)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_TOOLS_PACKAGE_RECOMMENDS "kmemrec-dkms (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_TOOLS_DESCRIPTION "kmemrec records VMA changes, page table entries, copy-on-write copies and page\nfaults of one process through the kmemrec kernel module (kmemrec-dkms) into\ncompressed, indexed traces; kmemreplay shows the page table at any instant,\ndiffs, histograms and comparisons; kmemfetch reads and writes another\nprocess's memory.  `kmemrec doctor` says what the machine lacks.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME kmemrec-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libcapnp-dev, libzstd-dev (>= 1.5), libxxhash-dev")
set(CPACK_DEBIAN_DEV_DESCRIPTION "kmemrec trace library (.kmr reader and writer) and UAPI header\nStatic library kmemrec::format with its C++20 headers, a CMake package\n(find_package(kmemrec)) and a pkg-config file (kmemrec-format).")

set(CPACK_DEBIAN_DKMS_PACKAGE_NAME kmemrec-dkms)
set(CPACK_DEBIAN_DKMS_PACKAGE_SECTION kernel)
set(CPACK_DEBIAN_DKMS_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_DKMS_PACKAGE_DEPENDS "dkms (>= 3.0), make, gcc")
set(CPACK_DEBIAN_DKMS_PACKAGE_RECOMMENDS "linux-headers-amd64 | linux-headers-generic")
set(CPACK_DEBIAN_DKMS_DESCRIPTION "kmemrec kernel module (DKMS source)\nThe kmemrec.ko source, built by DKMS for every installed kernel whose headers\nare present, and again for each new kernel.  Supports Linux 6.1 to 6.12.")
foreach(script postinst prerm)
  configure_file(packaging/deb/dkms/${script}.in ${PROJECT_BINARY_DIR}/deb/dkms/${script} @ONLY
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
    WORLD_EXECUTE)
endforeach()
set(CPACK_DEBIAN_DKMS_PACKAGE_CONTROL_EXTRA
  ${PROJECT_BINARY_DIR}/deb/dkms/postinst ${PROJECT_BINARY_DIR}/deb/dkms/prerm)
set(CPACK_DEBIAN_DKMS_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
