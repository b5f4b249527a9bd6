//! Media: reading metadata (exiftool, ffprobe), and later decoding, resizing and encoding
//! thumbnails. Heavy dependencies live here so that the rest of the workspace builds fast.

pub mod exiftool;
pub mod geocode;
pub mod jobs;
pub mod metadata;
pub mod motion;
pub mod place_search;
pub mod priority;
pub mod raw;
pub mod thumbnail;
pub mod video;
