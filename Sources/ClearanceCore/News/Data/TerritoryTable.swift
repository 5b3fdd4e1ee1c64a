// DATA FILE. This file holds a table, not logic: the territory codes and named regions the news
// layer accepts. Edit the table text below; `TerritoryTable.parse` reads it (and tests check it).
//
// Format, one entry per line, `#` starts a comment:
//   country  CODE  English name            an ISO 3166-1 alpha-2 code (XK is user-assigned but in wide use)
//   region   NAME  MEMBER MEMBER ...       a named region: codes and/or earlier regions; `*` = every country

extension TerritoryTable {
    /// The built-in table text (countries, then regions).
    static let builtinText = #"""
country AD Andorra
country AE United Arab Emirates
country AF Afghanistan
country AG Antigua and Barbuda
country AI Anguilla
country AL Albania
country AM Armenia
country AO Angola
country AQ Antarctica
country AR Argentina
country AS American Samoa
country AT Austria
country AU Australia
country AW Aruba
country AX Åland Islands
country AZ Azerbaijan
country BA Bosnia and Herzegovina
country BB Barbados
country BD Bangladesh
country BE Belgium
country BF Burkina Faso
country BG Bulgaria
country BH Bahrain
country BI Burundi
country BJ Benin
country BL Saint Barthélemy
country BM Bermuda
country BN Brunei Darussalam
country BO Bolivia
country BQ Bonaire, Sint Eustatius and Saba
country BR Brazil
country BS Bahamas
country BT Bhutan
country BV Bouvet Island
country BW Botswana
country BY Belarus
country BZ Belize
country CA Canada
country CC Cocos (Keeling) Islands
country CD Congo, Democratic Republic of the
country CF Central African Republic
country CG Congo
country CH Switzerland
country CI Côte d'Ivoire
country CK Cook Islands
country CL Chile
country CM Cameroon
country CN China
country CO Colombia
country CR Costa Rica
country CU Cuba
country CV Cabo Verde
country CW Curaçao
country CX Christmas Island
country CY Cyprus
country CZ Czechia
country DE Germany
country DJ Djibouti
country DK Denmark
country DM Dominica
country DO Dominican Republic
country DZ Algeria
country EC Ecuador
country EE Estonia
country EG Egypt
country EH Western Sahara
country ER Eritrea
country ES Spain
country ET Ethiopia
country FI Finland
country FJ Fiji
country FK Falkland Islands (Malvinas)
country FM Micronesia
country FO Faroe Islands
country FR France
country GA Gabon
country GB United Kingdom
country GD Grenada
country GE Georgia
country GF French Guiana
country GG Guernsey
country GH Ghana
country GI Gibraltar
country GL Greenland
country GM Gambia
country GN Guinea
country GP Guadeloupe
country GQ Equatorial Guinea
country GR Greece
country GS South Georgia and the South Sandwich Islands
country GT Guatemala
country GU Guam
country GW Guinea-Bissau
country GY Guyana
country HK Hong Kong
country HM Heard Island and McDonald Islands
country HN Honduras
country HR Croatia
country HT Haiti
country HU Hungary
country ID Indonesia
country IE Ireland
country IL Israel
country IM Isle of Man
country IN India
country IO British Indian Ocean Territory
country IQ Iraq
country IR Iran
country IS Iceland
country IT Italy
country JE Jersey
country JM Jamaica
country JO Jordan
country JP Japan
country KE Kenya
country KG Kyrgyzstan
country KH Cambodia
country KI Kiribati
country KM Comoros
country KN Saint Kitts and Nevis
country KP Korea, Democratic People's Republic of
country KR Korea, Republic of
country KW Kuwait
country KY Cayman Islands
country KZ Kazakhstan
country LA Lao People's Democratic Republic
country LB Lebanon
country LC Saint Lucia
country LI Liechtenstein
country LK Sri Lanka
country LR Liberia
country LS Lesotho
country LT Lithuania
country LU Luxembourg
country LV Latvia
country LY Libya
country MA Morocco
country MC Monaco
country MD Moldova
country ME Montenegro
country MF Saint Martin (French part)
country MG Madagascar
country MH Marshall Islands
country MK North Macedonia
country ML Mali
country MM Myanmar
country MN Mongolia
country MO Macao
country MP Northern Mariana Islands
country MQ Martinique
country MR Mauritania
country MS Montserrat
country MT Malta
country MU Mauritius
country MV Maldives
country MW Malawi
country MX Mexico
country MY Malaysia
country MZ Mozambique
country NA Namibia
country NC New Caledonia
country NE Niger
country NF Norfolk Island
country NG Nigeria
country NI Nicaragua
country NL Netherlands
country NO Norway
country NP Nepal
country NR Nauru
country NU Niue
country NZ New Zealand
country OM Oman
country PA Panama
country PE Peru
country PF French Polynesia
country PG Papua New Guinea
country PH Philippines
country PK Pakistan
country PL Poland
country PM Saint Pierre and Miquelon
country PN Pitcairn
country PR Puerto Rico
country PS Palestine, State of
country PT Portugal
country PW Palau
country PY Paraguay
country QA Qatar
country RE Réunion
country RO Romania
country RS Serbia
country RU Russian Federation
country RW Rwanda
country SA Saudi Arabia
country SB Solomon Islands
country SC Seychelles
country SD Sudan
country SE Sweden
country SG Singapore
country SH Saint Helena, Ascension and Tristan da Cunha
country SI Slovenia
country SJ Svalbard and Jan Mayen
country SK Slovakia
country SL Sierra Leone
country SM San Marino
country SN Senegal
country SO Somalia
country SR Suriname
country SS South Sudan
country ST Sao Tome and Principe
country SV El Salvador
country SX Sint Maarten (Dutch part)
country SY Syrian Arab Republic
country SZ Eswatini
country TC Turks and Caicos Islands
country TD Chad
country TF French Southern Territories
country TG Togo
country TH Thailand
country TJ Tajikistan
country TK Tokelau
country TL Timor-Leste
country TM Turkmenistan
country TN Tunisia
country TO Tonga
country TR Türkiye
country TT Trinidad and Tobago
country TV Tuvalu
country TW Taiwan
country TZ Tanzania
country UA Ukraine
country UG Uganda
country UM United States Minor Outlying Islands
country US United States of America
country UY Uruguay
country UZ Uzbekistan
country VA Holy See
country VC Saint Vincent and the Grenadines
country VE Venezuela
country VG Virgin Islands (British)
country VI Virgin Islands (U.S.)
country VN Viet Nam
country VU Vanuatu
country WF Wallis and Futuna
country WS Samoa
country XK Kosovo
country YE Yemen
country YT Mayotte
country ZA South Africa
country ZM Zambia
country ZW Zimbabwe

# Named regions. Members are country codes or regions defined above them.
region WORLD *
region EU AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK
region EEA EU IS LI NO
region GCC AE BH KW OM QA SA
# World Bank "Middle East and North Africa".
region MENA AE BH DJ DZ EG IL IQ IR JO KW LB LY MA MT OM PS QA SA SY TN YE
region ARAB_LEAGUE AE BH DJ DZ EG IQ JO KM KW LB LY MA MR OM PS QA SA SD SO SY TN YE
region LEVANT IL JO LB PS SY
region MAGHREB DZ EH LY MA MR TN
region BENELUX BE LU NL
region DACH AT CH DE
region NORDICS AX DK FI FO GL IS NO SE
region TURKIC_STATES AZ KG KZ TR UZ
region BALKANS AL BA BG GR HR ME MK RO RS SI XK
region CENTRAL_ASIA KG KZ TJ TM UZ
region NORTH_AMERICA CA MX US
"""#
}
