/** `bun test`'s own preload (bunfig.toml): hooks that span the whole run. */
import { afterAll } from "bun:test";
import { removeTempDirs } from "./temp-dir";

afterAll(removeTempDirs);
