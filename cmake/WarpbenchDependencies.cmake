# Finds the third-party parts and sets WARPBENCH_HAVE_* for the optional ones.
# AUTO options use a part when it is found; ON makes a missing part an error.

function(warpbench_resolve option found what)
  if(${option} STREQUAL "OFF")
    set(_have OFF)
    set(_text "off (${option}=OFF)")
  elseif(${found})
    set(_have ON)
    set(_text "on")
  elseif(${option} STREQUAL "ON")
    message(FATAL_ERROR "${option}=ON but ${what} was not found")
  else()
    set(_have OFF)
    set(_text "off (${what} not found)")
  endif()
  string(REPLACE "WARPBENCH_" "WARPBENCH_HAVE_" _var ${option})
  set(${_var} ${_have} PARENT_SCOPE)
  set(${_var}_TEXT "${_text}" PARENT_SCOPE)
endfunction()

find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
set_package_properties(nlohmann_json PROPERTIES TYPE REQUIRED PURPOSE "run records, bench JSON")

# OpenBLAS: Debian puts the pthread variant's cblas.h under openblas-pthread/.
find_path(OPENBLAS_INCLUDE_DIR cblas.h
  PATH_SUFFIXES openblas-pthread openblas x86_64-linux-gnu/openblas-pthread x86_64-linux-gnu/openblas)
find_library(OPENBLAS_LIBRARY NAMES openblas)
if(NOT OPENBLAS_INCLUDE_DIR OR NOT OPENBLAS_LIBRARY)
  message(FATAL_ERROR "OpenBLAS not found (Debian: apt-get install libopenblas-dev)")
endif()
add_library(warpbench::openblas UNKNOWN IMPORTED)
set_target_properties(warpbench::openblas PROPERTIES
  IMPORTED_LOCATION ${OPENBLAS_LIBRARY} INTERFACE_INCLUDE_DIRECTORIES ${OPENBLAS_INCLUDE_DIR})

# FFTW: double and single precision, each with its threads library.
find_path(FFTW_INCLUDE_DIR fftw3.h)
set(_fftw_libs)
foreach(_name fftw3_threads fftw3f_threads fftw3 fftw3f)
  find_library(FFTW_${_name}_LIBRARY NAMES ${_name})
  if(NOT FFTW_${_name}_LIBRARY)
    message(FATAL_ERROR "FFTW library ${_name} not found (Debian: apt-get install libfftw3-dev)")
  endif()
  list(APPEND _fftw_libs ${FFTW_${_name}_LIBRARY})
endforeach()
add_library(warpbench::fftw INTERFACE IMPORTED)
set_target_properties(warpbench::fftw PROPERTIES
  INTERFACE_LINK_LIBRARIES "${_fftw_libs};Threads::Threads"
  INTERFACE_INCLUDE_DIRECTORIES ${FFTW_INCLUDE_DIR})

# OpenCV, module by module: the GPU machine has core and imgproc carried in
# (scripts/pack-device-deps.sh) but not imgcodecs with its large dependency tree.
find_path(OPENCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4)
foreach(_mod core imgproc imgcodecs)
  find_library(OPENCV_${_mod}_LIBRARY NAMES opencv_${_mod})
endforeach()
set(_opencv_found OFF)
if(OPENCV_INCLUDE_DIR AND OPENCV_core_LIBRARY AND OPENCV_imgproc_LIBRARY)
  set(_opencv_found ON)
endif()
warpbench_resolve(WARPBENCH_OPENCV _opencv_found "OpenCV core+imgproc (libopencv-imgproc-dev)")
set(_imgcodecs_found OFF)
if(WARPBENCH_HAVE_OPENCV AND OPENCV_imgcodecs_LIBRARY)
  set(_imgcodecs_found ON)
endif()
set(WARPBENCH_IMGCODECS ${WARPBENCH_OPENCV})
warpbench_resolve(WARPBENCH_IMGCODECS _imgcodecs_found "OpenCV imgcodecs (libopencv-imgcodecs-dev)")
if(WARPBENCH_HAVE_OPENCV)
  foreach(_mod core imgproc imgcodecs)
    if(OPENCV_${_mod}_LIBRARY)
      add_library(warpbench::opencv_${_mod} UNKNOWN IMPORTED)
      set_target_properties(warpbench::opencv_${_mod} PROPERTIES
        IMPORTED_LOCATION ${OPENCV_${_mod}_LIBRARY}
        INTERFACE_INCLUDE_DIRECTORIES ${OPENCV_INCLUDE_DIR})
    endif()
  endforeach()
endif()

# CUDA: the toolkit is optional; the backend is a module loaded at run time.
set(_cuda_found OFF)
if(NOT WARPBENCH_CUDA STREQUAL "OFF")
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      # Release targets: Ampere, Ada and Hopper machine code plus PTX for Turing.
      set(CMAKE_CUDA_ARCHITECTURES "80-real;86-real;89-real;90-real;75-virtual")
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit 12.0)
    if(CUDAToolkit_FOUND)
      set(_cuda_found ON)
    endif()
  endif()
endif()
warpbench_resolve(WARPBENCH_CUDA _cuda_found "a CUDA toolkit (nvcc, cuBLAS, cuFFT, cuRAND)")
if(WARPBENCH_HAVE_CUDA)
  set(WARPBENCH_HAVE_CUDA_TEXT "on (architectures ${CMAKE_CUDA_ARCHITECTURES}, CUDA ${CUDAToolkit_VERSION})")
  set(CMAKE_CUDA_STANDARD 20)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  # CMake before 3.26 knows no C++20 flag for nvcc and then refuses CUDA_STANDARD 20 on
  # every CUDA target; tell it the flag, as CMake 3.26 does for nvcc 12 and later.
  if(NOT DEFINED CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
    set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  endif()
endif()

# Qt 6 for the workbench; without it the headless parts still build.
set(_gui_found OFF)
if(NOT WARPBENCH_GUI STREQUAL "OFF")
  find_package(Qt6 6.2 QUIET COMPONENTS Widgets)
  if(Qt6_FOUND)
    set(_gui_found ON)
  endif()
endif()
warpbench_resolve(WARPBENCH_GUI _gui_found "Qt 6 Widgets (qt6-base-dev)")
# The Qt tests (tests/app, tests/widgets) use QtTest, which Debian ships in qt6-base-dev.
if(WARPBENCH_HAVE_GUI AND WARPBENCH_TESTS)
  find_package(Qt6 QUIET COMPONENTS Test)
  if(NOT Qt6Test_FOUND)
    message(FATAL_ERROR "Qt 6 was found but not QtTest, which the Qt tests need (qt6-base-dev), "
                        "or configure with -DWARPBENCH_TESTS=OFF or -DWARPBENCH_GUI=OFF")
  endif()
endif()

if(WARPBENCH_TESTS)
  find_package(GTest REQUIRED)
endif()
