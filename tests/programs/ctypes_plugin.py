# Loads a plugin linked to liblockdep.so through ctypes (dlopen, no preload)
# and calls one of its functions, as a Python program using a C library would.
import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
fn = getattr(lib, sys.argv[2])
fn.restype = ctypes.c_ulong
print("reports:", fn())
