/** The local S3 server lives with the bench fixtures, which use it too. */
export { startS3rver, type S3Server } from '../../bench/fixtures/s3rver.js';
