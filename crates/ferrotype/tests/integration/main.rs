//! Ferrotype's integration tests, one binary (one link instead of one per file, which kept CI's
//! build time growing with every file): each module is a story against the real binary on an
//! ephemeral port (`common`), some driving the real Immich CLI, SDK, socket.io client or Chromium
//! (`compat_support`).

mod common;
mod compat_support;

mod activities;
mod asset_edits;
mod asset_metadata;
mod assets_albums;
mod auth;
mod compat_cli;
mod compat_sdk;
mod download;
mod edits;
mod events;
mod faces;
mod jobs;
mod lifecycle;
mod maintenance;
mod memories;
mod metadata;
mod migrate;
mod motion_photos;
mod notifications;
mod partners;
mod people;
mod places;
mod postgres;
mod processes;
mod raw;
mod s3;
mod search;
mod shared_links;
mod smoke;
mod stacks;
mod storage_template;
mod sync;
mod system_config;
mod tags;
mod thumbnails;
mod timeline;
mod uploads;
mod version_check;
mod web;
