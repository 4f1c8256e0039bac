#pragma once
// Files: images (PNG, JPEG, TIFF; 8 and 16 bit) through OpenCV's imgcodecs, and NumPy
// .npy files so that results open in NumPy. All functions work on host arrays and throw
// wb::Error (Io) with the path and the reason for missing, unreadable or corrupt files.

#include <wb/array.h>

#include <string>

namespace wb {

enum class ImageMode : std::uint8_t {
    Unchanged, // as stored: (H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA; u8 or u16 as stored
    Gray,      // (H, W)
    Color,     // (H, W, 3) RGB
};

// Channels come back in RGB(A) order (OpenCV's BGR is swapped on load and save);
// 8-bit files load as u8 and 16-bit files as u16.
Array loadImage(const std::string& path, ImageMode mode = ImageMode::Unchanged);
// Writes u8 arrays as 8-bit and u16 arrays as 16-bit images (H, W), (H, W, 3) or
// (H, W, 4); the format follows the extension. Other dtypes must be converted first.
void saveImage(const std::string& path, const Array& image);
// True when the build has OpenCV's imgcodecs; otherwise load/save throw Unavailable.
bool imageFilesAvailable();

// .npy version 1.0/2.0, little-endian, C order; dtypes |u1 <u2 <i4 <f2 <f4 <f8 <c8 <c16
// (bf16 is stored as <f4 since NumPy has no bfloat16).
Array loadNpy(const std::string& path);
void saveNpy(const std::string& path, const Array& array);

} // namespace wb
