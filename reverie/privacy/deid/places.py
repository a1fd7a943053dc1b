"""A gazetteer of UK nations, regions, counties, cities and towns.

Why: the small spaCy model often calls a place a person ("from Derry", "down in Kent") or misses
it, above all in lower case ("up in glasgow"). The list is a deny-list in Presidio's sense: any
match is a place. Names that are also everyday words or common first names or surnames match only
when capitalised, and a person rule ("Dr Preston") outranks the gazetteer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from reverie.privacy.deid.suggestion import LOCATION

Hit = tuple[int, int, str, float]

_PLACES = """
England|Scotland|Wales|Northern Ireland|Ireland|Highlands|Lowlands|Scottish Borders|Fife|Lothian
Ayrshire|Lanarkshire|Aberdeenshire|Perthshire|Argyll|Orkney|Shetland|Western Isles|Hebrides|Skye
Galloway|Dumfries|Moray|Cornwall|Devon|Somerset|Dorset|Wiltshire|Hampshire|Kent|Sussex|Surrey
Essex|Suffolk|Norfolk|Cambridgeshire|Lincolnshire|Yorkshire|Lancashire|Cumbria|Northumberland
Teesside|Tyneside|Wearside|Merseyside|Cheshire|Derbyshire|Nottinghamshire|Leicestershire
Staffordshire|Shropshire|Herefordshire|Worcestershire|Warwickshire|Gloucestershire|Oxfordshire
Berkshire|Buckinghamshire|Hertfordshire|Bedfordshire|Northamptonshire|Midlands|East Anglia|Wirral
Gwynedd|Anglesey|Powys|Ceredigion|Pembrokeshire|Carmarthenshire|Glamorgan|Gwent|Conwy|Denbighshire
Flintshire|Antrim|Armagh|Tyrone|Fermanagh|Londonderry|London|Birmingham|Manchester|Liverpool|Leeds
Sheffield|Bristol|Newcastle|Sunderland|Gateshead|Middlesbrough|Hartlepool|Darlington|Carlisle
Blackpool|Blackburn|Burnley|Bolton|Wigan|Oldham|Rochdale|Stockport|Salford|Warrington|Crewe
Stoke|Stoke-on-Trent|Nottingham|Leicester|Coventry|Wolverhampton|Walsall|Dudley|Telford|Shrewsbury
Hereford|Worcester|Gloucester|Cheltenham|Swindon|Oxford|Cambridge|Norwich|Ipswich|Colchester
Chelmsford|Southend|Luton|Milton Keynes|Northampton|Peterborough|Grimsby|Scunthorpe|Bradford
Huddersfield|Halifax|Wakefield|Doncaster|Rotherham|Barnsley|Harrogate|Scarborough|Brighton|Hove
Eastbourne|Hastings|Crawley|Guildford|Woking|Maidstone|Canterbury|Margate|Dover|Folkestone
Southampton|Portsmouth|Bournemouth|Exeter|Plymouth|Torquay|Truro|Penzance|Redruth|Taunton|Yeovil
Salisbury|Winchester|Basingstoke|Slough|Watford|Stevenage|St Albans|Harlow|Basildon|Croydon
Brixton|Hackney|Lewisham|Tooting|Islington|Camden|Peckham|Tottenham|Ealing|Enfield|Romford|Ilford
Walthamstow|Wimbledon|Greenwich|Woolwich|Bromley|Edinburgh|Glasgow|Aberdeen|Dundee|Inverness
Falkirk|Paisley|Kilmarnock|Greenock|Motherwell|Livingston|Kirkcaldy|Dunfermline|Glenrothes|Leith
Elgin|Fort William|Oban|Stornoway|Lerwick|Kirkwall|Cardiff|Swansea|Wrexham|Caernarfon|Aberystwyth
Carmarthen|Llanelli|Merthyr Tydfil|Merthyr|Pontypridd|Bridgend|Neath|Port Talbot|Rhyl|Llandudno
Cwmbran|Abergavenny|Haverfordwest|Belfast|Derry|Lisburn|Newry|Omagh|Enniskillen|Coleraine
Ballymena|Craigavon|Portadown|Lurgan|Dungannon|Strabane|Larne|Carrickfergus|Newtownabbey
Downpatrick|Lochee|Govan|Easterhouse|Drumchapel|Possilpark|Wythenshawe|Moss Side|Toxteth|Handsworth
Chapeltown|Byker|Jesmond|Splott|Butetown|Sandyford|Shankill|Falls Road
"""

# Also everyday words, first names or surnames: matched only with a capital letter.
_CAPITALISED_ONLY = """
Bath|Wells|Barry|Sutton|Kingston|Richmond|Stratford|Perth|Newport|Durham|Hull|Bury|York|Derby
Chester|Lincoln|Preston|Stirling|Bangor|Ayr|Poole|Harrow|Barnet|Hamilton|Ely|Holywood|Lewis|Harris
"""


def _names(block: str) -> set[str]:
    return {n.strip() for n in re.split(r"[|\n]", block) if n.strip()}


def _alternation(names: set[str]) -> str:
    longest_first = sorted(names, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, n.split())) for n in longest_first)


_ANY_CASE = re.compile(
    rf"(?<![\w'])(?:{_alternation(_names(_PLACES) - _names(_CAPITALISED_ONLY))})(?![\w])", re.IGNORECASE
)
_CAPITALISED = re.compile(rf"(?<![\w'])(?:{_alternation(_names(_CAPITALISED_ONLY))})(?![\w])")


def find_all(text: str) -> Iterator[Hit]:
    """Every gazetteer place named in ``text``."""
    for pattern in (_ANY_CASE, _CAPITALISED):
        for m in pattern.finditer(text):
            yield m.start(), m.end(), LOCATION, 0.6
