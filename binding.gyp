{
  "targets": [
    {
      "target_name": "ts_ceph_native",
      "sources": [
        "native/addon.cc",
        "native/device.cc",
        "native/uring.cc",
        "native/pool.cc",
        "native/crc32c.cc",
        "native/xts.cc",
        "native/gcm.cc",
        "native/argon2.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "libraries": ["-luring", "-largon2"]
    }
  ]
}
