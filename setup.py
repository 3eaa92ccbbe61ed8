"""Builds kpalette's optional C extension (the fast method's inner loops; see kpalette/_ckernels.c).

Everything else about the package is in pyproject.toml. The extension is optional: without a C compiler the
install still succeeds and kpalette runs the same arithmetic in NumPy, with byte-identical palettes, slower.
"""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildExt(build_ext):
    """Compile without fused multiply-adds, so that every product is rounded as NumPy rounds it."""

    def build_extensions(self) -> None:
        if self.compiler.compiler_type != "msvc":   # MSVC: its /fp:contract option turns fusing on (untested here)
            for ext in self.extensions:
                ext.extra_compile_args += ["-ffp-contract=off", "-O3"]
        super().build_extensions()


setup(
    ext_modules=[Extension("kpalette._ckernels", ["kpalette/_ckernels.c"], optional=True)],
    cmdclass={"build_ext": BuildExt},
)
