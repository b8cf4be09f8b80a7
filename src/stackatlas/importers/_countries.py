"""ISO 3166-1 countries: alpha-2, alpha-3 and English short name, plus other names people write.

Used by :func:`stackatlas.importers.normalise.country_code`. The names of a base dataset's countries (Dutch
and English) are added to these at run time.
"""

from __future__ import annotations

# alpha-2, alpha-3, English short name (ISO 3166-1, officially assigned codes)
TABLE = """\
AD AND Andorra
AE ARE United Arab Emirates
AF AFG Afghanistan
AG ATG Antigua and Barbuda
AI AIA Anguilla
AL ALB Albania
AM ARM Armenia
AO AGO Angola
AQ ATA Antarctica
AR ARG Argentina
AS ASM American Samoa
AT AUT Austria
AU AUS Australia
AW ABW Aruba
AX ALA Åland Islands
AZ AZE Azerbaijan
BA BIH Bosnia and Herzegovina
BB BRB Barbados
BD BGD Bangladesh
BE BEL Belgium
BF BFA Burkina Faso
BG BGR Bulgaria
BH BHR Bahrain
BI BDI Burundi
BJ BEN Benin
BL BLM Saint Barthélemy
BM BMU Bermuda
BN BRN Brunei Darussalam
BO BOL Bolivia
BQ BES Bonaire, Sint Eustatius and Saba
BR BRA Brazil
BS BHS Bahamas
BT BTN Bhutan
BV BVT Bouvet Island
BW BWA Botswana
BY BLR Belarus
BZ BLZ Belize
CA CAN Canada
CC CCK Cocos (Keeling) Islands
CD COD Democratic Republic of the Congo
CF CAF Central African Republic
CG COG Congo
CH CHE Switzerland
CI CIV Côte d'Ivoire
CK COK Cook Islands
CL CHL Chile
CM CMR Cameroon
CN CHN China
CO COL Colombia
CR CRI Costa Rica
CU CUB Cuba
CV CPV Cabo Verde
CW CUW Curaçao
CX CXR Christmas Island
CY CYP Cyprus
CZ CZE Czechia
DE DEU Germany
DJ DJI Djibouti
DK DNK Denmark
DM DMA Dominica
DO DOM Dominican Republic
DZ DZA Algeria
EC ECU Ecuador
EE EST Estonia
EG EGY Egypt
EH ESH Western Sahara
ER ERI Eritrea
ES ESP Spain
ET ETH Ethiopia
FI FIN Finland
FJ FJI Fiji
FK FLK Falkland Islands
FM FSM Micronesia
FO FRO Faroe Islands
FR FRA France
GA GAB Gabon
GB GBR United Kingdom
GD GRD Grenada
GE GEO Georgia
GF GUF French Guiana
GG GGY Guernsey
GH GHA Ghana
GI GIB Gibraltar
GL GRL Greenland
GM GMB Gambia
GN GIN Guinea
GP GLP Guadeloupe
GQ GNQ Equatorial Guinea
GR GRC Greece
GS SGS South Georgia and the South Sandwich Islands
GT GTM Guatemala
GU GUM Guam
GW GNB Guinea-Bissau
GY GUY Guyana
HK HKG Hong Kong
HM HMD Heard Island and McDonald Islands
HN HND Honduras
HR HRV Croatia
HT HTI Haiti
HU HUN Hungary
ID IDN Indonesia
IE IRL Ireland
IL ISR Israel
IM IMN Isle of Man
IN IND India
IO IOT British Indian Ocean Territory
IQ IRQ Iraq
IR IRN Iran
IS ISL Iceland
IT ITA Italy
JE JEY Jersey
JM JAM Jamaica
JO JOR Jordan
JP JPN Japan
KE KEN Kenya
KG KGZ Kyrgyzstan
KH KHM Cambodia
KI KIR Kiribati
KM COM Comoros
KN KNA Saint Kitts and Nevis
KP PRK North Korea
KR KOR South Korea
KW KWT Kuwait
KY CYM Cayman Islands
KZ KAZ Kazakhstan
LA LAO Laos
LB LBN Lebanon
LC LCA Saint Lucia
LI LIE Liechtenstein
LK LKA Sri Lanka
LR LBR Liberia
LS LSO Lesotho
LT LTU Lithuania
LU LUX Luxembourg
LV LVA Latvia
LY LBY Libya
MA MAR Morocco
MC MCO Monaco
MD MDA Moldova
ME MNE Montenegro
MF MAF Saint Martin (French part)
MG MDG Madagascar
MH MHL Marshall Islands
MK MKD North Macedonia
ML MLI Mali
MM MMR Myanmar
MN MNG Mongolia
MO MAC Macao
MP MNP Northern Mariana Islands
MQ MTQ Martinique
MR MRT Mauritania
MS MSR Montserrat
MT MLT Malta
MU MUS Mauritius
MV MDV Maldives
MW MWI Malawi
MX MEX Mexico
MY MYS Malaysia
MZ MOZ Mozambique
NA NAM Namibia
NC NCL New Caledonia
NE NER Niger
NF NFK Norfolk Island
NG NGA Nigeria
NI NIC Nicaragua
NL NLD Netherlands
NO NOR Norway
NP NPL Nepal
NR NRU Nauru
NU NIU Niue
NZ NZL New Zealand
OM OMN Oman
PA PAN Panama
PE PER Peru
PF PYF French Polynesia
PG PNG Papua New Guinea
PH PHL Philippines
PK PAK Pakistan
PL POL Poland
PM SPM Saint Pierre and Miquelon
PN PCN Pitcairn
PR PRI Puerto Rico
PS PSE Palestine
PT PRT Portugal
PW PLW Palau
PY PRY Paraguay
QA QAT Qatar
RE REU Réunion
RO ROU Romania
RS SRB Serbia
RU RUS Russia
RW RWA Rwanda
SA SAU Saudi Arabia
SB SLB Solomon Islands
SC SYC Seychelles
SD SDN Sudan
SE SWE Sweden
SG SGP Singapore
SH SHN Saint Helena, Ascension and Tristan da Cunha
SI SVN Slovenia
SJ SJM Svalbard and Jan Mayen
SK SVK Slovakia
SL SLE Sierra Leone
SM SMR San Marino
SN SEN Senegal
SO SOM Somalia
SR SUR Suriname
SS SSD South Sudan
ST STP Sao Tome and Principe
SV SLV El Salvador
SX SXM Sint Maarten (Dutch part)
SY SYR Syria
SZ SWZ Eswatini
TC TCA Turks and Caicos Islands
TD TCD Chad
TF ATF French Southern Territories
TG TGO Togo
TH THA Thailand
TJ TJK Tajikistan
TK TKL Tokelau
TL TLS Timor-Leste
TM TKM Turkmenistan
TN TUN Tunisia
TO TON Tonga
TR TUR Türkiye
TT TTO Trinidad and Tobago
TV TUV Tuvalu
TW TWN Taiwan
TZ TZA Tanzania
UA UKR Ukraine
UG UGA Uganda
UM UMI United States Minor Outlying Islands
US USA United States
UY URY Uruguay
UZ UZB Uzbekistan
VA VAT Holy See
VC VCT Saint Vincent and the Grenadines
VE VEN Venezuela
VG VGB British Virgin Islands
VI VIR United States Virgin Islands
VN VNM Viet Nam
VU VUT Vanuatu
WF WLF Wallis and Futuna
WS WSM Samoa
YE YEM Yemen
YT MYT Mayotte
ZA ZAF South Africa
ZM ZMB Zambia
ZW ZWE Zimbabwe
"""

# other names (English variants, Dutch, native) -> alpha-2; compared after normalisation (lower case,
# no accents, punctuation as spaces)
ALIASES: dict[str, str] = {
    # English variants
    "usa": "US", "u s a": "US", "u s": "US", "us": "US", "united states of america": "US", "america": "US",
    "uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "united kingdom of great britain and northern ireland": "GB",
    "holland": "NL", "the netherlands": "NL", "netherlands the": "NL", "kingdom of the netherlands": "NL",
    "korea": "KR", "republic of korea": "KR", "korea republic of": "KR", "korea south": "KR",
    "korea north": "KP", "russian federation": "RU", "czech republic": "CZ", "turkey": "TR", "turkiye": "TR",
    "uae": "AE", "emirates": "AE", "ivory coast": "CI", "vietnam": "VN", "iran islamic republic of": "IR",
    "syrian arab republic": "SY", "lao people s democratic republic": "LA", "macedonia": "MK",
    "swaziland": "SZ", "cape verde": "CV", "burma": "MM", "dr congo": "CD", "drc": "CD",
    "congo kinshasa": "CD", "congo brazzaville": "CG", "republic of the congo": "CG", "vatican": "VA",
    "vatican city": "VA", "brunei": "BN", "hong kong sar": "HK", "macau": "MO", "taiwan province of china": "TW",
    "republic of china": "TW", "people s republic of china": "CN", "prc": "CN", "mainland china": "CN",
    "tanzania united republic of": "TZ", "moldova republic of": "MD", "bolivia plurinational state of": "BO",
    "venezuela bolivarian republic of": "VE", "state of palestine": "PS", "east timor": "TL",
    "the bahamas": "BS", "the gambia": "GM", "curacao": "CW", "sao tome": "ST", "st lucia": "LC",
    # Dutch
    "nederland": "NL", "belgie": "BE", "duitsland": "DE", "frankrijk": "FR", "verenigd koninkrijk": "GB",
    "groot brittannie": "GB", "engeland": "GB", "verenigde staten": "US", "verenigde staten van amerika": "US",
    "zwitserland": "CH", "oostenrijk": "AT", "zweden": "SE", "noorwegen": "NO", "denemarken": "DK",
    "spanje": "ES", "italie": "IT", "ierland": "IE", "polen": "PL", "tsjechie": "CZ", "hongarije": "HU",
    "griekenland": "GR", "luxemburg": "LU", "zuid korea": "KR", "noord korea": "KP", "israel": "IL",
    "australie": "AU", "rusland": "RU", "oekraine": "UA", "brazilie": "BR", "turkije": "TR",
    "zuid afrika": "ZA", "verenigde arabische emiraten": "AE", "estland": "EE", "letland": "LV",
    "litouwen": "LT", "roemenie": "RO", "bulgarije": "BG", "kroatie": "HR", "slovenie": "SI",
    "slowakije": "SK", "ijsland": "IS", "nieuw zeeland": "NZ", "argentinie": "AR", "saoedi arabie": "SA",
    "indonesie": "ID", "maleisie": "MY", "filipijnen": "PH", "egypte": "EG", "marokko": "MA", "kenia": "KE",
    "japan": "JP", "china": "CN", "canada": "CA", "singapore": "SG", "taiwan": "TW", "india": "IN",
    "portugal": "PT", "finland": "FI", "mexico": "MX", "cyprus": "CY", "malta": "MT", "servie": "RS",
    "wit rusland": "BY", "belarus": "BY", "bosnie en herzegovina": "BA", "albanie": "AL", "georgie": "GE",
    "armenie": "AM", "suriname": "SR", "aruba": "AW", "curacao en onderhorigheden": "CW",
    # native names
    "deutschland": "DE", "belgique": "BE", "belgien": "BE", "schweiz": "CH", "suisse": "CH", "svizzera": "CH",
    "osterreich": "AT", "oesterreich": "AT", "espana": "ES", "italia": "IT", "sverige": "SE", "norge": "NO",
    "danmark": "DK", "suomi": "FI", "polska": "PL", "cesko": "CZ", "ceska republika": "CZ",
    "magyarorszag": "HU", "ellada": "GR", "eire": "IE", "luxembourg": "LU", "letzebuerg": "LU",
    "eesti": "EE", "latvija": "LV", "lietuva": "LT", "romania": "RO", "hrvatska": "HR", "slovenija": "SI",
    "slovensko": "SK", "nippon": "JP", "zhongguo": "CN", "rossiya": "RU", "ukraina": "UA",
    "brasil": "BR", "mexique": "MX",
}
