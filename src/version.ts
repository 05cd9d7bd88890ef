import pkg from "../package.json" with { type: "json" };

/** The service version, from package.json (embedded in the binary at build time). */
export const VERSION: string = pkg.version;

/** The licence the service is published under (package.json's `license`; "UNLICENSED": not open source). */
export const LICENSE: string = pkg.license;
