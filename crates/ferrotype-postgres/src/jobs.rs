//! The job queue.
