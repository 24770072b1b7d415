from .imports import PackageImport, PackageImportTransition, package_path

__all__ = ["PackageImport", "PackageImportTransition", "package_path"]
