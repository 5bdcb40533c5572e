// esbuild inlines the field at build time (only this field: the rest of package.json stays out).
import { name, version } from '../../package.json';

export const PACKAGE_NAME: string = name;
export const VERSION: string = version;
