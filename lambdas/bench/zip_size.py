#!/usr/bin/env python3
"""Sizes of the Lambda package: the bootstrap, and its zip as `sdlf deploy` builds it.

    zip_size.py BOOTSTRAP OUT_ZIP [PACKAGES_DIR] [--json]

Writes OUT_ZIP the way infra/cli/zip.rs does (one entry `bootstrap`, deflate level 9, fixed
1980-01-01 timestamp, mode 0755). zlib and the CLI's miniz_oxide differ by a few bytes at the
same level, so when PACKAGES_DIR (target/lambda-packages) holds a deploy-built zip whose
`bootstrap` has the same CRC-32 and size, that zip's size is reported too.
"""

import glob
import json
import os
import sys
import zipfile
import zlib


def main():
    args = [a for a in sys.argv[1:] if a != "--json"]
    if len(args) not in (2, 3):
        sys.exit(__doc__)
    bootstrap, out = args[0], args[1]
    packages = args[2] if len(args) == 3 else None
    data = open(bootstrap, "rb").read()
    info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o100755 << 16
    info.create_system = 3
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    crc = zlib.crc32(data)
    deploy = None
    for path in sorted(glob.glob(os.path.join(packages, "*.zip")) if packages else [], key=os.path.getmtime, reverse=True):
        try:
            with zipfile.ZipFile(path) as z:
                e = z.getinfo("bootstrap")
        except (zipfile.BadZipFile, KeyError):
            continue
        if e.CRC == crc and e.file_size == len(data):
            deploy = {"path": path, "bytes": os.path.getsize(path)}
            break
    result = {
        "bootstrap_bytes": len(data),
        "zip_bytes": os.path.getsize(out),
        "zip_path": out,
        "deploy_zip": deploy,
        "zip_target_bytes": 10 * 1000 * 1000,
    }
    if "--json" in sys.argv:
        print(json.dumps(result, indent=2))
        return
    mb = lambda n: f"{n / 1e6:.2f} MB ({n / 2**20:.2f} MiB, {n} bytes)"
    print(f"bootstrap (stripped, profile lambda): {mb(len(data))}")
    print(f"zip (deflate 9, like the deploy):     {mb(result['zip_bytes'])}   target < 10 MB: "
          f"{'met' if result['zip_bytes'] < 10e6 else 'NOT met'}")
    if deploy:
        print(f"deploy-built zip of this bootstrap:   {mb(deploy['bytes'])}  ({deploy['path']})")


if __name__ == "__main__":
    main()
