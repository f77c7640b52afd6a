"""What the columns of a declaration file mean: header synonyms, categories, units.

Headers are compared after :func:`normalise_label`: case, accents, punctuation and repeated
spaces do not matter ("N° de série", "n de serie" and "Numero de serie" are one header).
"""

from __future__ import annotations

import re
import unicodedata

from inventory.choices import DeviceCategory, StorageType

_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def normalise_label(text: str) -> str:
    """Lower case, no accents, words separated by one space: the key labels are compared on."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(char for char in decomposed if not unicodedata.combining(char))
    ascii_text = ascii_text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae")
    return _NOT_ALPHANUMERIC.sub(" ", ascii_text.lower()).strip()


# Column → the header labels that name it, in French and English (GLPI's among them).
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "category": (
        "type",
        "categorie",
        "category",
        "type de materiel",
        "type d appareil",
        "device type",
        "kind",
    ),
    "brand": ("marque", "fabricant", "constructeur", "brand", "manufacturer", "make"),
    "model": ("modele", "model", "reference", "designation"),
    "serial_number": (
        "n de serie",
        "no de serie",
        "numero de serie",
        "num de serie",
        "serie",
        "serial number",
        "serial",
        "serial no",
        "s n",
        "sn",
    ),
    "asset_tag": (
        "n d inventaire",
        "no d inventaire",
        "numero d inventaire",
        "num d inventaire",
        "inventaire",
        "n inventaire",
        "numero inventaire",
        "asset tag",
        "asset number",
        "inventory number",
        "tag",
    ),
    "purchase_date": (
        "date d achat",
        "date achat",
        "achat",
        "date de mise en service",
        "purchase date",
        "purchased",
        "purchased on",
        "acquisition date",
    ),
    "cpu": ("processeur", "cpu", "processor", "composants processeur"),
    "ram_gb": (
        "memoire go",
        "memoire",
        "ram go",
        "ram",
        "memoire vive",
        "memoire vive go",
        "memory gb",
        "memory",
        "ram gb",
    ),
    "ram_mb": ("composants memoire", "memoire mo", "ram mo", "memory mb", "ram mb"),
    "storage_gb": (
        "stockage go",
        "stockage",
        "disque go",
        "disque",
        "capacite disque",
        "storage gb",
        "storage",
        "disk gb",
        "disk",
        "composants disque dur",
        "disque dur",
    ),
    "storage_type": ("type de stockage", "type de disque", "storage type", "disk type"),
    "screen_size_inches": (
        "ecran pouces",
        "taille ecran",
        "taille d ecran",
        "ecran",
        "diagonale",
        "screen size",
        "screen size inches",
        "screen inches",
        "screen",
    ),
    "operating_system": (
        "systeme",
        "systeme d exploitation",
        "os",
        "operating system",
        "systeme d exploitation nom",
    ),
    "condition": ("etat", "condition", "etat general", "etat de fonctionnement"),
    "condition_notes": (
        "remarques",
        "remarque",
        "commentaire",
        "commentaires",
        "observations",
        "notes",
        "note",
        "comments",
        "condition notes",
    ),
    "pickup_site": (
        "lieu d enlevement",
        "site d enlevement",
        "lieu de collecte",
        "site",
        "pickup site",
        "pickup location",
    ),
    "entity": ("entite", "entity", "commune"),
    # GLPI's status of an asset ("Au rebut", "En stock"…) and its location ("Mairie > Accueil").
    "status": ("statut", "status", "statut glpi"),
    "location": ("lieu", "location", "localisation", "emplacement"),
}

HEADER_TO_COLUMN: dict[str, str] = {
    label: column for column, labels in COLUMN_SYNONYMS.items() for label in labels
}

# The columns a file must have; the others are optional.
REQUIRED_COLUMNS = ("category", "brand")

# What people write in a "type" column, and GLPI's computer types.
CATEGORY_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(
        (
            "portable",
            "ordinateur portable",
            "pc portable",
            "laptop",
            "notebook",
            "ultrabook",
            "netbook",
            "portable pc",
            "laptop computer",
        ),
        DeviceCategory.LAPTOP,
    ),
    **dict.fromkeys(
        (
            "unite centrale",
            "uc",
            "ordinateur fixe",
            "pc fixe",
            "fixe",
            "tour",
            "desktop",
            "desktop computer",
            "mini pc",
            "all in one",
            "tout en un",
            "poste de travail",
            "workstation",
            "station de travail",
        ),
        DeviceCategory.DESKTOP,
    ),
    **dict.fromkeys(("ecran", "moniteur", "monitor", "screen", "display"), DeviceCategory.MONITOR),
    **dict.fromkeys(("tablette", "tablet", "tablette tactile"), DeviceCategory.TABLET),
    **dict.fromkeys(
        ("smartphone", "telephone", "telephone mobile", "mobile", "phone", "portable telephone"),
        DeviceCategory.SMARTPHONE,
    ),
    **dict.fromkeys(
        ("imprimante", "printer", "multifonction", "copieur", "mfp", "photocopieur"),
        DeviceCategory.PRINTER,
    ),
    **dict.fromkeys(
        ("videoprojecteur", "video projecteur", "projecteur", "projector", "beamer"),
        DeviceCategory.PROJECTOR,
    ),
    **dict.fromkeys(
        (
            "accessoire",
            "accessory",
            "clavier",
            "souris",
            "station d accueil",
            "dock",
            "docking station",
            "keyboard",
            "mouse",
            "chargeur",
            "charger",
        ),
        DeviceCategory.ACCESSORY,
    ),
    **dict.fromkeys(("autre", "other", "divers"), DeviceCategory.OTHER),
    **{value: value for value in DeviceCategory.values},
}

STORAGE_TYPE_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(("hdd", "disque dur", "hard disk", "mecanique", "sata hdd"), StorageType.HDD),
    **dict.fromkeys(("ssd", "sata ssd", "ssd sata"), StorageType.SSD),
    **dict.fromkeys(("nvme", "ssd nvme", "nvme ssd", "m 2 nvme", "pcie"), StorageType.NVME),
    **dict.fromkeys(("emmc",), StorageType.EMMC),
    **dict.fromkeys(("flash", "memoire flash", "flash memory"), StorageType.FLASH),
}

# The statuses that mean "surplus" unless the commune says otherwise: a status counts when it
# contains one of them, compared as labels are (case, accents and punctuation aside).
DEFAULT_SURPLUS_STATUSES = ("rebut", "réforme", "à réformer", "hors service", "surplus", "déclassé")
# Bounds of the commune's list of surplus statuses.
MAX_SURPLUS_STATUSES = 20
MAX_SURPLUS_STATUS_LENGTH = 50


def parse_surplus_statuses(text: str) -> list[str]:
    """The statuses a commune typed, separated by commas or semicolons, each trimmed."""
    parts = (part.strip() for part in re.split(r"[,;\n]", text or ""))
    return list(dict.fromkeys(part for part in parts if part))


def is_surplus_status(status: str, surplus_statuses: list[str] | tuple[str, ...]) -> bool:
    """Whether ``status`` contains one of ``surplus_statuses``, case and accents aside
    ("À réformer (2025)" contains "réforme")."""
    label = normalise_label(status)
    return any(
        term and term in label for term in (normalise_label(entry) for entry in surplus_statuses)
    )


# Values meaning "nothing" in an optional column.
EMPTY_MARKERS = frozenset({"", "-", "--", "n/a", "na", "nc", "n c", "aucun", "aucune", "none", "?"})

# Unit suffixes of sizes, in gigabytes.
SIZE_UNITS_IN_GB: dict[str, float] = {
    "": 1.0,
    "g": 1.0,
    "go": 1.0,
    "gb": 1.0,
    "gio": 1.0,
    "gib": 1.0,
    "t": 1000.0,
    "to": 1000.0,
    "tb": 1000.0,
    "tio": 1024.0,
    "tib": 1024.0,
    "m": 0.001,
    "mo": 0.001,
    "mb": 0.001,
    "mio": 1 / 1024,
    "mib": 1 / 1024,
}

# Memory is counted in powers of two: 8192 MB of RAM are 8 GB.
MEMORY_UNITS_IN_GB: dict[str, float] = {
    **dict.fromkeys(("", "g", "go", "gb", "gio", "gib"), 1.0),
    **dict.fromkeys(("t", "to", "tb", "tio", "tib"), 1024.0),
    **dict.fromkeys(("m", "mo", "mb", "mio", "mib"), 1 / 1024),
}
