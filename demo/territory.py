"""The demo territory: Grand-Orly Seine Bièvre, its communes, partners, buyers, people and devices.

``seed_demo()`` is deterministic and idempotent. Every random choice comes from a
``random.Random`` seeded with a fixed string (one stream per commune, so that seeding a commune
does not depend on the others), organisations, sites, users and memberships are looked up
before they are created, and a commune whose demo agent already declared devices is skipped.
Devices are declared and withdrawn through the inventory's services, like any commune's.

Partners, associations and people are invented, and so are the schools' addresses and every
SIRET (valid check digits, nobody's number); the communes' SIREN are built as the real ones are.
E-mail addresses use the reserved ``.example`` domain, phone numbers the range that ARCEP keeps
for fiction (01 99 00 xx xx).
"""

from __future__ import annotations

import csv
import datetime
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.text import slugify

from inventory.choices import DeclarationSource, DeviceCategory, StorageType
from inventory.models import Declaration
from inventory.services import declaration_create, device_withdraw
from organisations.choices import CessionEligibility, MembershipRole, OrganisationKind
from organisations.models import Membership, Organisation
from organisations.services import membership_create, organisation_create, site_create
from organisations.validators import luhn_is_valid

DEMO_PASSWORD = "boucle-demo"
SEED = "boucle-demo-gosb"
COMMUNES_FILE = settings.BASE_DIR / "data" / "communes-gosb.csv"
EMAIL_DOMAIN = "demo.boucle.example"
TERRITORY_SLUG = "gosb"
ROLE_SUFFIXES = {MembershipRole.ADMIN: "admin", MembershipRole.STAFF: "agent"}


def with_check_digit(digits: str) -> str:
    """``digits`` followed by the digit that makes the whole number pass the Luhn check."""
    return next(f"{digits}{d}" for d in "0123456789" if luhn_is_valid(f"{digits}{d}"))


def commune_siren(insee_code: str) -> str:
    """A commune's SIREN: 21, the department on three digits, the commune number, a check digit.

    Cachan (INSEE 94016) is 219400165.
    """
    return with_check_digit(f"21{insee_code[:2]}0{insee_code[2:]}")


def siret(siren_head: str, establishment: str) -> str:
    """A SIRET from the first eight digits of a SIREN and four of an establishment number."""
    return with_check_digit(with_check_digit(siren_head) + establishment)


# --- Organisations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteSpec:
    name: str
    address: str
    postal_code: str
    city: str
    is_pickup: bool = True
    is_delivery: bool = False


def delivery_site(name: str, address: str, postal_code: str, city: str) -> SiteSpec:
    return SiteSpec(name, address, postal_code, city, is_pickup=False, is_delivery=True)


@dataclass(frozen=True)
class OrganisationSpec:
    kind: str
    name: str
    slug: str
    site: SiteSpec
    siren: str = ""
    siret: str = ""
    insee_code: str = ""
    esus_approval_reference: str = ""
    esus_approval_valid_until: datetime.date | None = None
    cession_eligibility: str = CessionEligibility.NOT_ELIGIBLE
    phone: str = ""

    def defaults(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "siren": self.siren,
            "siret": self.siret,
            "insee_code": self.insee_code,
            "esus_approval_reference": self.esus_approval_reference,
            "esus_approval_valid_until": self.esus_approval_valid_until,
            "cession_eligibility": self.cession_eligibility,
            "email": f"contact.{self.slug}@{EMAIL_DOMAIN}",
            "phone": self.phone,
        }


TERRITORY = OrganisationSpec(
    kind=OrganisationKind.TERRITORY,
    name="Grand-Orly Seine Bièvre",
    slug=TERRITORY_SLUG,
    siren="200058014",
    phone="01 99 00 10 00",
    site=delivery_site("Siège de l'EPT", "11 avenue Henri Farman", "94310", "Orly"),
)

# Each commune's town hall, where its surplus devices wait for collection.
TOWN_HALLS = {
    "94001": ("7 rue du Maréchal Foch", "94480"),
    "94003": ("10 avenue Paul Doumer", "94110"),
    "91027": ("Place du Général de Gaulle", "91200"),
    "94016": ("Square de la Libération", "94230"),
    "94021": ("88 avenue du Général de Gaulle", "94550"),
    "94022": ("Place Gabriel Péri", "94600"),
    "94034": ("1 place Pierre et Marie Curie", "94260"),
    "94037": ("14 place Henri Barbusse", "94250"),
    "94038": ("41 rue Jean Jaurès", "94240"),
    "94041": ("Esplanade Georges Marrane", "94200"),
    "91326": ("6 rue Piver", "91260"),
    "94043": ("1 place Jean Jaurès", "94270"),
    "91432": ("Place de la Mairie", "91420"),
    "94054": ("7 avenue Adrien Raynal", "94310"),
    "91479": ("1 rue du Maréchal Juin", "91550"),
    "94065": ("5 rue Sainte-Geneviève", "94150"),
    "91589": ("48 avenue Charles de Gaulle", "91600"),
    "94073": ("Rue Maurepas", "94320"),
    "94074": ("48 rue Louis Pasteur", "94460"),
    "94076": ("Esplanade Pierre-Yves Cosnier", "94800"),
    "94077": ("Place de la Vieille Église", "94290"),
    "94078": ("Place Pierre Sémard", "94190"),
    "91687": ("54 rue Pasteur", "91170"),
    "94081": ("2 avenue Youri Gagarine", "94400"),
}


def load_communes() -> list[OrganisationSpec]:
    """The territory's communes, in the order of ``data/communes-gosb.csv``."""
    with COMMUNES_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    communes = []
    for number, row in enumerate(rows, start=1):
        code, name = row["insee_code"], row["name"]
        address, postal_code = TOWN_HALLS[code]
        communes.append(
            OrganisationSpec(
                kind=OrganisationKind.COMMUNE,
                name=name,
                slug=slugify(name.replace("'", " ")),
                siren=commune_siren(code),
                insee_code=code,
                phone=f"01 99 00 20 {number:02d}",
                site=SiteSpec("Hôtel de ville", address, postal_code, name, is_delivery=True),
            )
        )
    return communes


PARTNERS = (
    OrganisationSpec(
        kind=OrganisationKind.PARTNER,
        name="Atelier Numérique Solidaire",
        slug="atelier-numerique-solidaire",
        siret=siret("83915274", "0001"),
        esus_approval_reference="ESUS-94-2024-0147",
        esus_approval_valid_until=datetime.date(2029, 9, 30),
        phone="01 99 00 30 01",
        site=delivery_site(
            "Atelier de Vitry", "12 rue Édouard Tremblay", "94400", "Vitry-sur-Seine"
        ),
    ),
    OrganisationSpec(
        kind=OrganisationKind.PARTNER,
        name="Recyclerie Informatique de la Bièvre",
        slug="recyclerie-bievre",
        siret=siret("79430618", "0002"),
        esus_approval_reference="ESUS-94-2023-0083",
        esus_approval_valid_until=datetime.date(2028, 12, 31),
        phone="01 99 00 30 02",
        site=delivery_site("Entrepôt d'Arcueil", "45 avenue Laplace", "94110", "Arcueil"),
    ),
    OrganisationSpec(
        kind=OrganisationKind.PARTNER,
        name="Réemploi Seine-Amont",
        slug="reemploi-seine-amont",
        siret=siret("88206431", "0001"),
        esus_approval_reference="ESUS-91-2025-0219",
        esus_approval_valid_until=datetime.date(2030, 3, 31),
        phone="01 99 00 30 03",
        site=delivery_site(
            "Plateforme d'Athis-Mons", "3 rue des Froides Bouillies", "91200", "Athis-Mons"
        ),
    ),
)

BUYERS = (
    OrganisationSpec(
        kind=OrganisationKind.BUYER,
        name="Collège Romain Rolland",
        slug="college-romain-rolland",
        siret=siret("19940701", "0018"),
        cession_eligibility=CessionEligibility.NOT_ELIGIBLE,
        phone="01 99 00 40 01",
        site=delivery_site("Loge du collège", "17 rue Lucien Selva", "94200", "Ivry-sur-Seine"),
    ),
    OrganisationSpec(
        kind=OrganisationKind.BUYER,
        name="Lycée Guillaume Apollinaire",
        slug="lycee-guillaume-apollinaire",
        siret=siret("19940612", "0015"),
        cession_eligibility=CessionEligibility.NOT_ELIGIBLE,
        phone="01 99 00 40 02",
        site=delivery_site("Service d'intendance", "42 rue du Pavé de Grignon", "94320", "Thiais"),
    ),
    OrganisationSpec(
        kind=OrganisationKind.BUYER,
        name="Parents d'élèves de Villejuif",
        slug="parents-eleves-villejuif",
        siret=siret("45127903", "0024"),
        cession_eligibility=CessionEligibility.PARENTS_ASSOCIATION,
        phone="01 99 00 40 03",
        site=delivery_site("Maison des associations", "8 rue Jean Jaurès", "94800", "Villejuif"),
    ),
    OrganisationSpec(
        kind=OrganisationKind.BUYER,
        name="Solidarité Numérique Orly-Choisy",
        slug="solidarite-numerique-orly-choisy",
        siret=siret("81763025", "0013"),
        cession_eligibility=CessionEligibility.PRECARITY_ASSOCIATION,
        phone="01 99 00 40 04",
        site=delivery_site(
            "Local associatif", "21 avenue des Martyrs de Châteaubriant", "94310", "Orly"
        ),
    ),
)

FIRST_NAMES = (
    "Camille", "Nadia", "Thomas", "Sofiane", "Claire", "Mamadou", "Julie", "Karim", "Élodie",
    "Nicolas", "Fatou", "Hugo", "Inès", "Pierre", "Aïcha", "Lucas", "Sandrine", "Yanis",
    "Émilie", "Olivier", "Leïla", "Julien", "Marion", "Rachid",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Benali", "Dubois", "Nguyen", "Moreau", "Diallo", "Lefèvre", "Haddad", "Laurent",
    "Traoré", "Girard", "Da Silva", "Fontaine", "Mercier", "Bouzid", "Rousseau", "Kone",
    "Perrin", "Lambert", "Chevalier", "Mendes", "Garnier", "Ferreira", "Roux",
)  # fmt: skip


# --- Devices -----------------------------------------------------------------------------------

SSD, NVME, HDD, EMMC, FLASH = (
    StorageType.SSD,
    StorageType.NVME,
    StorageType.HDD,
    StorageType.EMMC,
    StorageType.FLASH,
)
WINDOWS_10 = ("Windows 10 Pro",)
WINDOWS_10_11 = ("Windows 10 Pro", "Windows 11 Pro")


@dataclass(frozen=True)
class CatalogueModel:
    """A model that public bodies of the territory bought, with its usual configurations.

    ``serial`` is a pattern: ``#`` a digit, ``?`` a letter, ``*`` a letter or digit, ``%`` the
    last digit of the manufacturing year; anything else is kept as is.
    """

    category: str
    brand: str
    model: str
    years: tuple[int, int]
    serial: str
    cpu: str = ""
    ram_gb: tuple[int, ...] = ()
    storage: tuple[tuple[int, str], ...] = ()
    screen_size_inches: str = ""
    operating_systems: tuple[str, ...] = ()
    weight: int = 1


def _computers(category: str, weight: int, rows: list[tuple]) -> list[CatalogueModel]:
    return [
        CatalogueModel(category, brand, model, years, serial, cpu, ram, storage, screen, systems,
                       weight)
        for brand, model, years, serial, cpu, ram, storage, screen, systems in rows
    ]  # fmt: skip


LAPTOPS = _computers(DeviceCategory.LAPTOP, 3, [
    ("Dell", "Latitude E7450", (2015, 2016), "*******", "Intel Core i5-5300U", (8,),
     ((256, SSD), (128, SSD)), "14.0", WINDOWS_10),
    ("Dell", "Latitude E5470", (2016, 2017), "*******", "Intel Core i5-6300U", (4, 8),
     ((500, HDD), (256, SSD)), "14.0", WINDOWS_10),
    ("Dell", "Latitude 5490", (2018, 2019), "*******", "Intel Core i5-8350U", (8, 16),
     ((256, SSD), (256, NVME)), "14.0", WINDOWS_10),
    ("Dell", "Latitude 5410", (2020, 2021), "*******", "Intel Core i5-10310U", (8, 16),
     ((256, NVME),), "14.0", WINDOWS_10_11),
    ("Dell", "Latitude 5420", (2021, 2022), "*******", "Intel Core i5-1145G7", (16,),
     ((256, NVME), (512, NVME)), "14.0", ("Windows 11 Pro",)),
    ("HP", "EliteBook 840 G3", (2016, 2017), "5CG%##****", "Intel Core i5-6300U", (8,),
     ((256, SSD),), "14.0", WINDOWS_10),
    ("HP", "EliteBook 840 G5", (2018, 2019), "5CG%##****", "Intel Core i5-8350U", (8, 16),
     ((256, NVME),), "14.0", WINDOWS_10),
    ("HP", "ProBook 650 G2", (2016, 2016), "5CG%##****", "Intel Core i5-6200U", (4, 8),
     ((500, HDD), (256, SSD)), "15.6", WINDOWS_10),
    ("HP", "ProBook 450 G7", (2020, 2021), "5CD%##****", "Intel Core i5-10210U", (8,),
     ((256, NVME),), "15.6", WINDOWS_10_11),
    ("Lenovo", "ThinkPad T450", (2015, 2015), "PF******", "Intel Core i5-5300U", (4, 8),
     ((500, HDD), (256, SSD)), "14.0", WINDOWS_10),
    ("Lenovo", "ThinkPad T470", (2017, 2018), "PF******", "Intel Core i5-7300U", (8,),
     ((256, SSD),), "14.0", WINDOWS_10),
    ("Lenovo", "ThinkPad T480", (2018, 2019), "PF******", "Intel Core i5-8250U", (8, 16),
     ((256, NVME),), "14.0", WINDOWS_10),
    ("Lenovo", "ThinkPad X1 Carbon Gen 6", (2018, 2019), "PF******", "Intel Core i7-8550U",
     (16,), ((512, NVME),), "14.0", WINDOWS_10),
    ("Lenovo", "ThinkPad L14 Gen 1", (2020, 2021), "PF******", "AMD Ryzen 5 PRO 4650U", (8, 16),
     ((256, NVME),), "14.0", WINDOWS_10_11),
    ("Lenovo", "ThinkPad E14 Gen 2", (2021, 2022), "PF******", "Intel Core i5-1135G7", (8, 16),
     ((256, NVME), (512, NVME)), "14.0", ("Windows 11 Pro",)),
    ("Apple", "MacBook Air (13-inch, 2017)", (2017, 2018), "C02?#******", "Intel Core i5-5350U",
     (8,), ((128, SSD), (256, SSD)), "13.3", ("macOS 12 Monterey",)),
    ("Apple", "MacBook Pro (13-inch, 2019, Two Thunderbolt 3 ports)", (2019, 2020),
     "FVF?#******", "Intel Core i5-8257U", (8,), ((128, NVME), (256, NVME)), "13.3",
     ("macOS 14 Sonoma",)),
    ("Acer", "Chromebook Spin 511 (R752T)", (2020, 2021), "NXHPZEF00%#########",
     "Intel Celeron N4020", (4,), ((32, EMMC),), "11.6", ("ChromeOS",)),
    ("Microsoft", "Surface Pro 6", (2018, 2019), "0%##########", "Intel Core i5-8250U", (8,),
     ((256, NVME),), "12.3", WINDOWS_10),
])  # fmt: skip

DESKTOPS = _computers(DeviceCategory.DESKTOP, 3, [
    ("Dell", "OptiPlex 7020 SFF", (2014, 2015), "*******", "Intel Core i5-4590", (4, 8),
     ((500, HDD),), "", ("Windows 10 Pro", "Windows 7 Professionnel")),
    ("Dell", "OptiPlex 3050 Micro", (2017, 2018), "*******", "Intel Core i5-7500T", (8,),
     ((256, SSD), (500, HDD)), "", WINDOWS_10),
    ("Dell", "OptiPlex 5060 SFF", (2018, 2019), "*******", "Intel Core i5-8500", (8, 16),
     ((256, NVME),), "", WINDOWS_10),
    ("Dell", "OptiPlex 7080 Micro", (2020, 2021), "*******", "Intel Core i5-10500T", (8, 16),
     ((256, NVME),), "", WINDOWS_10_11),
    ("HP", "EliteDesk 800 G1 SFF", (2014, 2015), "CZC%##****", "Intel Core i5-4570", (4, 8),
     ((500, HDD),), "", ("Windows 10 Pro", "Windows 7 Professionnel")),
    ("HP", "ProDesk 400 G4 SFF", (2017, 2018), "CZC%##****", "Intel Core i5-7500", (8,),
     ((256, SSD), (1000, HDD)), "", WINDOWS_10),
    ("HP", "EliteDesk 800 G4 SFF", (2018, 2019), "CZC%##****", "Intel Core i5-8500", (8, 16),
     ((256, NVME),), "", WINDOWS_10),
    ("HP", "ProDesk 600 G5 SFF", (2019, 2020), "CZC%##****", "Intel Core i5-9500", (8, 16),
     ((256, NVME),), "", WINDOWS_10),
    ("Lenovo", "ThinkCentre M700 Tiny", (2016, 2017), "MJ0*****", "Intel Core i5-6400T", (8,),
     ((500, HDD), (256, SSD)), "", WINDOWS_10),
    ("Lenovo", "ThinkCentre M720q Tiny", (2018, 2019), "MJ0*****", "Intel Core i5-8400T", (8,),
     ((256, NVME),), "", WINDOWS_10),
    ("Lenovo", "ThinkCentre M75s Gen 2", (2021, 2022), "MJ0*****", "AMD Ryzen 5 PRO 4650G",
     (8, 16), ((256, NVME), (512, NVME)), "", WINDOWS_10_11),
    ("Fujitsu", "Esprimo P757", (2017, 2018), "YL??######", "Intel Core i5-7500", (8,),
     ((256, SSD), (500, HDD)), "", WINDOWS_10),
    ("Apple", "iMac (21.5-inch, 2017)", (2017, 2018), "C02?#******", "Intel Core i5-7360U",
     (8,), ((1000, HDD),), "21.5", ("macOS 13 Ventura",)),
])  # fmt: skip


def _displays(category: str, weight: int, rows: list[tuple]) -> list[CatalogueModel]:
    return [
        CatalogueModel(category, brand, model, years, serial, screen_size_inches=screen,
                       weight=weight)
        for brand, model, years, serial, screen in rows
    ]  # fmt: skip


MONITORS = _displays(DeviceCategory.MONITOR, 3, [
    ("Dell", "P2217H", (2016, 2018), "CN0%##??#####", "21.5"),
    ("Dell", "P2419H", (2018, 2020), "CN0%##??#####", "23.8"),
    ("Dell", "U2415", (2014, 2016), "CN0%##??#####", "24.0"),
    ("Dell", "P2422H", (2021, 2022), "CN0%##??#####", "23.8"),
    ("HP", "EliteDisplay E243", (2017, 2019), "CNK%##****", "23.8"),
    ("HP", "P224", (2018, 2020), "CNK%##****", "21.5"),
    ("iiyama", "ProLite XU2492HSU-B1", (2019, 2021), "11%##########", "23.8"),
    ("Lenovo", "ThinkVision T24i-10", (2019, 2021), "V90*****", "23.8"),
    ("Philips", "243V7QDSB", (2017, 2019), "AU1A%#########", "23.8"),
    ("Samsung", "S24F350FHU", (2016, 2018), "H4ZK######", "23.5"),
    ("LG", "24MK430H-B", (2018, 2020), "%0#NT*******", "23.8"),
])  # fmt: skip

MOBILES = [
    CatalogueModel(category, brand, model, years, serial, cpu, (ram,), (storage,), screen,
                   (system,))
    for category, brand, model, years, serial, cpu, ram, storage, screen, system in [
        (DeviceCategory.TABLET, "Apple", "iPad (6th generation)", (2018, 2019), "DMP?#******",
         "Apple A10 Fusion", 2, (32, FLASH), "9.7", "iPadOS 17"),
        (DeviceCategory.TABLET, "Apple", "iPad Air 2", (2014, 2016), "DMP?#******",
         "Apple A8X", 2, (64, FLASH), "9.7", "iPadOS 15"),
        (DeviceCategory.TABLET, "Samsung", "Galaxy Tab A 10.1 (SM-T510)", (2019, 2020),
         "R52?#******", "Samsung Exynos 7904", 2, (32, EMMC), "10.1", "Android 11"),
        (DeviceCategory.TABLET, "Samsung", "Galaxy Tab S6 Lite (SM-P610)", (2020, 2022),
         "R52?#******", "Samsung Exynos 9611", 4, (64, EMMC), "10.4", "Android 13"),
        (DeviceCategory.TABLET, "Lenovo", "Tab M10 (TB-X505F)", (2019, 2020), "HA******",
         "Qualcomm Snapdragon 429", 2, (32, EMMC), "10.1", "Android 10"),
        (DeviceCategory.SMARTPHONE, "Samsung", "Galaxy A40 (SM-A405FN)", (2019, 2020),
         "R58?#******", "Samsung Exynos 7904", 4, (64, FLASH), "5.9", "Android 11"),
        (DeviceCategory.SMARTPHONE, "Samsung", "Galaxy Xcover 4s (SM-G398FN)", (2019, 2020),
         "R58?#******", "Samsung Exynos 7885", 3, (32, FLASH), "5.0", "Android 11"),
        (DeviceCategory.SMARTPHONE, "Apple", "iPhone 8", (2017, 2019), "F17?#******",
         "Apple A11 Bionic", 2, (64, FLASH), "4.7", "iOS 16"),
        (DeviceCategory.SMARTPHONE, "Apple", "iPhone SE (2nd generation)", (2020, 2022),
         "F17?#******", "Apple A13 Bionic", 3, (64, FLASH), "4.7", "iOS 17"),
    ]
]  # fmt: skip

EQUIPMENT = [
    CatalogueModel(category, brand, model, years, serial, storage=storage)
    for category, brand, model, years, serial, storage in [
        (DeviceCategory.PRINTER, "HP", "LaserJet Pro M402dn", (2016, 2018), "PHB?######", ()),
        (DeviceCategory.PRINTER, "HP", "Color LaserJet Pro M454dn", (2019, 2021), "VNB?######",
         ()),
        (DeviceCategory.PRINTER, "Brother", "HL-L5100DN", (2017, 2019), "E7#####?###", ()),
        (DeviceCategory.PRINTER, "Kyocera", "ECOSYS P2135dn", (2014, 2016), "VC#######", ()),
        # A copier keeps every page it scanned on its disk: it holds data.
        (DeviceCategory.PRINTER, "Ricoh", "MP C3004", (2016, 2018), "C7#6P######",
         ((320, HDD),)),
        (DeviceCategory.PROJECTOR, "Epson", "EB-X41", (2018, 2020), "X4??#######", ()),
        (DeviceCategory.PROJECTOR, "Epson", "EB-W05", (2017, 2019), "X4??#######", ()),
        (DeviceCategory.PROJECTOR, "Epson", "EB-680", (2017, 2019), "X4??#######", ()),
        (DeviceCategory.PROJECTOR, "BenQ", "MX535", (2017, 2019), "PD?%#######", ()),
        (DeviceCategory.ACCESSORY, "Dell", "Dock WD15", (2016, 2018), "CN0%##??#####", ()),
        (DeviceCategory.ACCESSORY, "HP", "USB-C Dock G5", (2019, 2021), "5CG%##****", ()),
        (DeviceCategory.ACCESSORY, "Lenovo", "ThinkPad USB-C Dock Gen 2", (2019, 2021),
         "ZV******", ()),
        (DeviceCategory.ACCESSORY, "Logitech", "C920 HD Pro Webcam", (2015, 2019),
         "%###LZ0*****", ()),
        (DeviceCategory.OTHER, "APC", "Back-UPS Pro 900", (2016, 2019), "3B%##X*****", ()),
        (DeviceCategory.OTHER, "Cisco", "Catalyst 2960-X 24 ports", (2015, 2018),
         "FOC%###?*??", ()),
    ]
]  # fmt: skip

CATALOGUE: tuple[CatalogueModel, ...] = (*LAPTOPS, *DESKTOPS, *MONITORS, *MOBILES, *EQUIPMENT)

DECLARATION_REFERENCES = (
    "Renouvellement des postes de l'hôtel de ville",
    "Écoles élémentaires : fin du contrat de location",
    "Médiathèque municipale",
    "Centre communal d'action sociale",
    "Services techniques municipaux",
    "Conservatoire et centre culturel",
)
# What an agent writes in the notes, by category; anything else gets the general notes.
CONDITION_NOTES = {
    DeviceCategory.LAPTOP: (
        "Batterie à remplacer",
        "Chargeur manquant",
        "Rayures sur le capot",
        "Touche Suppr du clavier usée",
    ),
    DeviceCategory.DESKTOP: (
        "Livré sans clavier ni souris",
        "Ventilateur bruyant",
        "Fonctionnel, démarrage lent",
    ),
    DeviceCategory.MONITOR: (
        "Un pixel mort en haut à gauche",
        "Pied réglable manquant",
        "Câble DisplayPort fourni",
    ),
    DeviceCategory.TABLET: ("Coque de protection fournie", "Vitre fêlée dans un coin"),
    DeviceCategory.SMARTPHONE: ("Coque de protection fournie", "Batterie à remplacer"),
}
GENERAL_NOTES = ("Étiquette d'inventaire abîmée", "Câble d'alimentation fourni", "Traces d'usure")
WITHDRAWAL_NOTES = (
    "Réaffecté à l'école maternelle",
    "Conservé pour le service jeunesse",
    "Déclaré par erreur : toujours en service",
)

DIGITS = "0123456789"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _serial(rng: random.Random, pattern: str, year: int) -> str:
    alphabets = {"#": DIGITS, "?": LETTERS, "*": DIGITS + LETTERS}
    return "".join(
        str(year % 10)
        if char == "%"
        else rng.choice(alphabets[char])
        if char in alphabets
        else char
        for char in pattern
    )


def _description(
    rng: random.Random, model: CatalogueModel, *, commune_code: str, asset_number: int
) -> dict[str, Any]:
    year = rng.randint(*model.years)
    description: dict[str, Any] = {
        "category": model.category,
        "brand": model.brand,
        "model": model.model,
        "serial_number": _serial(rng, model.serial, year),
        "purchase_date": datetime.date(year, rng.randint(1, 12), rng.randint(1, 28)),
        "cpu": model.cpu,
        "operating_system": rng.choice(model.operating_systems) if model.operating_systems else "",
    }
    # One device in ten lost its inventory sticker, or never had one.
    if rng.random() < 0.9:
        description["asset_tag"] = f"{commune_code}-{year}-{asset_number:04d}"
    if model.ram_gb:
        description["ram_gb"] = rng.choice(model.ram_gb)
    if model.storage:
        description["storage_gb"], description["storage_type"] = rng.choice(model.storage)
    if model.screen_size_inches:
        description["screen_size_inches"] = Decimal(model.screen_size_inches)
    if rng.random() < 0.2:
        description["condition_notes"] = rng.choice(
            CONDITION_NOTES.get(model.category, GENERAL_NOTES)
        )
    return description


# --- Seeding -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    organisation: str
    kind: str
    username: str
    role: str


@dataclass
class SeedReport:
    """What a run created (empty when the demo was already there) and the demo's logins."""

    created: Counter[str] = field(default_factory=Counter)
    logins: list[Login] = field(default_factory=list)

    def count(self, what: str, created: bool | int = 1) -> None:
        if created:
            self.created[what] += int(created)


class _People:
    """Creates the demo users, hashing the shared password once: hashing costs a third of a
    second, and the demo has sixty users."""

    def __init__(self) -> None:
        self._password_hash: str | None = None

    def password_hash(self) -> str:
        if self._password_hash is None:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def user(self, username: str, rng: random.Random, report: SeedReport):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create(
                username=username,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                email=f"{username}@{EMAIL_DOMAIN}",
                password=self.password_hash(),
            )
            report.count("users")
        return user


def _seed_organisation(
    spec: OrganisationSpec, people: _People, report: SeedReport
) -> tuple[Organisation, Any]:
    """The organisation, its site, its admin and its agent; returns it with its agent."""
    organisation = Organisation.objects.filter(slug=spec.slug).first()
    if organisation is None:
        organisation = organisation_create(slug=spec.slug, **spec.defaults())
        report.count("organisations")
    if not organisation.sites.filter(name=spec.site.name).exists():
        site_create(
            organisation=organisation,
            name=spec.site.name,
            address=spec.site.address,
            postal_code=spec.site.postal_code,
            city=spec.site.city,
            is_pickup=spec.site.is_pickup,
            is_delivery=spec.site.is_delivery,
        )
        report.count("sites")
    rng = random.Random(f"{SEED}:people:{spec.slug}")
    agent = None
    for role, suffix in ROLE_SUFFIXES.items():
        username = f"{spec.slug}-{suffix}"
        user = people.user(username, rng, report)
        if not Membership.objects.filter(user=user, organisation=organisation).exists():
            membership_create(organisation=organisation, user=user, role=role)
            report.count("memberships")
        if role == MembershipRole.STAFF:
            agent = user
        report.logins.append(
            Login(
                organisation=organisation.name,
                kind=str(organisation.get_kind_display()),
                username=username,
                role=str(MembershipRole(role).label),
            )
        )
    return organisation, agent


def _seed_devices(commune: Organisation, agent, report: SeedReport) -> None:
    """Declare the commune's surplus devices, then take a few back, as its agent would."""
    if Declaration.objects.filter(commune=commune, created_by=agent).exists():
        return
    rng = random.Random(f"{SEED}:devices:{commune.insee_code}")
    site = commune.sites.get(name="Hôtel de ville")
    asset_number = rng.randint(100, 800)
    weights = [model.weight for model in CATALOGUE]
    references = rng.sample(DECLARATION_REFERENCES, k=rng.randint(1, 2))
    declared = []
    for reference in references:
        descriptions = []
        for model in rng.choices(CATALOGUE, weights=weights, k=rng.randint(6, 14)):
            asset_number += 1
            descriptions.append(
                _description(rng, model, commune_code=commune.insee_code, asset_number=asset_number)
            )
        declaration = declaration_create(
            user=agent,
            commune=commune,
            pickup_site=site,
            descriptions=descriptions,
            source=DeclarationSource.FORM,
            reference=reference,
        )
        declared.extend(declaration.devices.order_by("pk"))
        report.count("declarations")
        report.count("devices", len(descriptions))
    if rng.random() < 0.4:
        device = rng.choice(declared)
        device_withdraw(
            device=device, user=agent, organisation=commune, note=rng.choice(WITHDRAWAL_NOTES)
        )
        report.count("withdrawals")


def seed_demo() -> SeedReport:
    """Create the demo territory, or find it already there; return what was created and the
    logins (two per organisation, ``<slug>-admin`` and ``<slug>-agent``)."""
    report = SeedReport()
    people = _People()
    communes = load_communes()
    with transaction.atomic():
        _seed_organisation(TERRITORY, people, report)
        seeded_communes = [_seed_organisation(spec, people, report) for spec in communes]
        for spec in (*PARTNERS, *BUYERS):
            _seed_organisation(spec, people, report)
    for commune, agent in seeded_communes:
        # One transaction per commune: a run stopped halfway leaves whole communes behind it,
        # and the next run completes the others.
        with transaction.atomic():
            _seed_devices(commune, agent, report)
    return report
