"""Name, street and city lists per country for the demo customers.

Postcode patterns: `#` is a digit, `@` an upper-case letter, anything else is literal. Street
formats put the house number where the country writes it.
"""

from __future__ import annotations

# First names and family names per naming tradition.
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "nl": (
        ("Emma", "Daan", "Sanne", "Bram", "Lotte", "Joris", "Fleur", "Sem", "Anouk", "Thijs", "Noor", "Ruben"),
        ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Dekker", "van Dijk"),
    ),
    "de": (
        ("Lukas", "Anna", "Felix", "Lea", "Jonas", "Marie", "Paul", "Sophie", "Leon", "Hannah", "Maximilian", "Jana"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann", "Schäfer", "Koch"),
    ),
    "fr": (
        ("Louise", "Gabriel", "Chloé", "Hugo", "Manon", "Arthur", "Camille", "Jules", "Léa", "Théo", "Inès", "Lucas"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Lefèvre", "Moreau"),
    ),
    "es": (
        ("Lucía", "Hugo", "Martina", "Mateo", "Sofía", "Pablo", "Valeria", "Álvaro", "Carmen", "Diego", "Elena"),
        ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Romero", "Navarro"),
    ),
    "mx": (
        ("Ximena", "Santiago", "Regina", "Emiliano", "Valentina", "Leonardo", "Camila", "Diego", "Renata", "Andrés"),
        ("Hernández", "García", "Martínez", "López", "González", "Ramírez", "Flores", "Cruz", "Morales", "Reyes"),
    ),
    "pt": (
        ("Beatriz", "João", "Mariana", "Tiago", "Inês", "Rodrigo", "Leonor", "Duarte", "Matilde", "Afonso"),
        ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins", "Sousa", "Gomes"),
    ),
    "br": (
        ("Ana", "Miguel", "Júlia", "Arthur", "Laura", "Davi", "Isabela", "Heitor", "Larissa", "Rafael", "Camila"),
        ("Silva", "Souza", "Oliveira", "Lima", "Pereira", "Carvalho", "Almeida", "Ribeiro", "Barbosa", "Araújo"),
    ),
    "it": (
        ("Giulia", "Leonardo", "Sofia", "Francesco", "Aurora", "Alessandro", "Chiara", "Lorenzo", "Martina", "Matteo"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco"),
    ),
    "en": (
        ("Olivia", "James", "Amelia", "Oliver", "Isla", "Harry", "Grace", "Jack", "Chloe", "Thomas", "Ella", "Noah"),
        ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Walker", "Hughes"),
    ),
    "ie": (
        ("Aoife", "Seán", "Niamh", "Conor", "Saoirse", "Cian", "Ciara", "Oisín", "Róisín", "Darragh"),
        ("Murphy", "Kelly", "O'Sullivan", "Walsh", "Byrne", "Ryan", "O'Brien", "Doyle", "McCarthy", "Kennedy"),
    ),
    "us": (
        ("Emily", "Michael", "Madison", "Ethan", "Abigail", "Daniel", "Harper", "Logan", "Avery", "Mason", "Riley"),
        ("Miller", "Davis", "Anderson", "Thompson", "Moore", "Jackson", "White", "Harris", "Clark", "Lewis", "Young"),
    ),
    "pl": (
        ("Zuzanna", "Jakub", "Julia", "Antoni", "Maja", "Szymon", "Zofia", "Filip", "Hanna", "Kacper"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński"),
    ),
    "sv": (
        ("Alice", "William", "Maja", "Oscar", "Elsa", "Lucas", "Astrid", "Hugo", "Ebba", "Liam", "Saga"),
        ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Lindqvist"),
    ),
    "da": (
        ("Freja", "William", "Ida", "Noah", "Clara", "Oscar", "Karla", "Alfred", "Alma", "Magnus"),
        ("Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen"),
    ),
    "fi": (
        ("Aino", "Eino", "Helmi", "Väinö", "Sofia", "Leo", "Ella", "Onni", "Venla", "Elias"),
        ("Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen", "Koskinen"),
    ),
    "no": (
        ("Nora", "Jakob", "Emma", "Filip", "Ingrid", "Aksel", "Sara", "Henrik", "Thea", "Magnus"),
        ("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Berg", "Haugen", "Hagen", "Dahl", "Bakken"),
    ),
    "ja": (
        ("Yuki", "Haruto", "Sakura", "Ren", "Aoi", "Sota", "Hina", "Riku", "Yui", "Kaito"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato"),
    ),
    "ko": (
        ("Ji-woo", "Min-jun", "Seo-yeon", "Do-yun", "Ha-eun", "Ye-jun", "Su-a", "Ji-ho", "Chae-won", "Hyun-woo"),
        ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim"),
    ),
    "ar": (
        ("Fatima", "Omar", "Mariam", "Khalid", "Layla", "Ahmed", "Noura", "Yousef", "Aisha", "Hamdan"),
        ("Al Mansouri", "Al Hashimi", "Al Suwaidi", "Haddad", "Khoury", "Nasser", "Al Falasi", "Saleh"),
    ),
    "in": (
        ("Aarav", "Ananya", "Vivaan", "Diya", "Arjun", "Isha", "Rohan", "Priya", "Kabir", "Meera"),
        ("Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Singh", "Mehta", "Desai", "Rao"),
    ),
    "sg": (
        ("Wei Ling", "Jun Jie", "Hui Min", "Zhi Hao", "Xin Yi", "Ethan", "Chloe", "Ryan", "Priya", "Siti"),
        ("Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Koh", "Teo"),
    ),
    "za": (
        ("Thabo", "Lerato", "Johan", "Anele", "Pieter", "Naledi", "Sipho", "Annelie", "Zanele", "Ruan"),
        ("Nkosi", "Botha", "Dlamini", "van der Merwe", "Naidoo", "Mokoena", "Pretorius", "Khumalo", "Steyn"),
    ),
}

# Which name list fits a (country, language) pair; falls back to the language.
NAME_STYLE: dict[tuple[str, str], str] = {
    ("IE", "en"): "ie",
    ("US", "en"): "us",
    ("CA", "en"): "us",
    ("AU", "en"): "en",
    ("MX", "es"): "mx",
    ("US", "es"): "mx",
    ("BR", "pt"): "br",
    ("IN", "en"): "in",
    ("SG", "en"): "sg",
    ("ZA", "en"): "za",
    ("AE", "en"): "ar",
    ("FI", "sv"): "sv",
}

# City, postcode pattern. Patterns follow each country's real format.
CITIES: dict[str, tuple[tuple[str, str], ...]] = {
    "NL": (
        ("Amsterdam", "10## @@"),
        ("Utrecht", "35## @@"),
        ("Rotterdam", "30## @@"),
        ("Den Haag", "25## @@"),
        ("Groningen", "97## @@"),
        ("Eindhoven", "56## @@"),
        ("Nijmegen", "65## @@"),
    ),
    "BE": (("Brussel", "10##"), ("Antwerpen", "20##"), ("Gent", "90##"), ("Liège", "40##"), ("Leuven", "30##")),
    "DE": (
        ("Berlin", "10###"),
        ("Hamburg", "20###"),
        ("München", "80###"),
        ("Köln", "50###"),
        ("Leipzig", "04###"),
        ("Freiburg", "79###"),
    ),
    "FR": (("Paris", "750##"), ("Lyon", "6900#"), ("Marseille", "130##"), ("Nantes", "440##"), ("Lille", "590##")),
    "ES": (("Madrid", "280##"), ("Barcelona", "080##"), ("Valencia", "460##"), ("Sevilla", "410##")),
    "PT": (("Lisboa", "1###-###"), ("Porto", "4###-###"), ("Braga", "47##-###")),
    "IT": (("Milano", "201##"), ("Roma", "001##"), ("Torino", "101##"), ("Bologna", "401##")),
    "AT": (("Wien", "1###"), ("Graz", "80##"), ("Innsbruck", "60##"), ("Salzburg", "50##")),
    "IE": (("Dublin", "D0# @###"), ("Cork", "T12 @###"), ("Galway", "H91 @###")),
    "PL": (("Warszawa", "0#-###"), ("Kraków", "3#-###"), ("Wrocław", "5#-###"), ("Gdańsk", "80-###")),
    "SE": (("Stockholm", "11# ##"), ("Göteborg", "41# ##"), ("Malmö", "21# ##"), ("Uppsala", "75# ##")),
    "DK": (("København", "1###"), ("Aarhus", "8000"), ("Odense", "5000")),
    "FI": (("Helsinki", "00###"), ("Tampere", "33###"), ("Turku", "20###")),
    "GB": (("London", "SW# #@@"), ("Manchester", "M# #@@"), ("Edinburgh", "EH# #@@"), ("Bristol", "BS# #@@")),
    "CH": (("Zürich", "80##"), ("Genève", "12##"), ("Bern", "30##"), ("Lugano", "69##"), ("Basel", "40##")),
    "NO": (("Oslo", "0###"), ("Bergen", "50##"), ("Trondheim", "70##")),
    "US": (("New York", "100##"), ("San Francisco", "941##"), ("Chicago", "606##"), ("Seattle", "981##")),
    "CA": (("Toronto", "M#@ #@#"), ("Montréal", "H#@ #@#"), ("Vancouver", "V#@ #@#")),
    "MX": (("Ciudad de México", "0####"), ("Guadalajara", "44###"), ("Monterrey", "64###")),
    "BR": (("São Paulo", "0####-###"), ("Rio de Janeiro", "2####-###"), ("Curitiba", "8####-###")),
    "JP": (("Tokyo", "1##-####"), ("Osaka", "5##-####"), ("Sapporo", "06#-####")),
    "AU": (("Sydney", "2###"), ("Melbourne", "3###"), ("Brisbane", "4###")),
    "KR": (("Seoul", "0####"), ("Busan", "4####")),
    "SG": (("Singapore", "######"),),
    "AE": (("Dubai", "#####"), ("Abu Dhabi", "#####")),
    "IN": (("Mumbai", "400###"), ("Bengaluru", "560###"), ("New Delhi", "110###")),
    "ZA": (("Cape Town", "8###"), ("Johannesburg", "2###"), ("Durban", "4###")),
}

# Street names per country; NUMBER_FIRST countries write "12 High Street", others "Oudegracht 12".
STREETS: dict[str, tuple[str, ...]] = {
    "NL": ("Oudegracht", "Kerkstraat", "Dorpsstraat", "Molenweg", "Prinsengracht", "Stationsplein", "Lindelaan"),
    "BE": ("Kerkstraat", "Rue de la Station", "Stationsstraat", "Avenue Louise", "Meir"),
    "DE": ("Hauptstraße", "Bergstraße", "Lindenallee", "Gartenweg", "Schillerstraße", "Bahnhofstraße"),
    "FR": ("rue de la République", "avenue Victor Hugo", "rue des Lilas", "boulevard Voltaire", "rue du Moulin"),
    "ES": ("Calle Mayor", "Calle del Sol", "Avenida de la Constitución", "Calle Real"),
    "PT": ("Rua Augusta", "Rua das Flores", "Avenida da Liberdade", "Rua do Carmo"),
    "IT": ("Via Roma", "Via Garibaldi", "Corso Vittorio Emanuele", "Via dei Mille"),
    "AT": ("Hauptplatz", "Mariahilfer Straße", "Kirchengasse", "Bahnhofstraße"),
    "IE": ("Main Street", "Church Road", "Harbour View", "Grafton Street"),
    "PL": ("ul. Długa", "ul. Kwiatowa", "ul. Polna", "ul. Ogrodowa"),
    "SE": ("Storgatan", "Drottninggatan", "Kungsgatan", "Skolgatan"),
    "DK": ("Nørregade", "Vestergade", "Strandvejen", "Østergade"),
    "FI": ("Mannerheimintie", "Kauppakatu", "Rantatie", "Koulukatu"),
    "GB": ("High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane"),
    "CH": ("Bahnhofstrasse", "Rue du Rhône", "Seestrasse", "Via Nassa", "Kirchweg"),
    "NO": ("Storgata", "Kirkegata", "Strandveien", "Skolegata"),
    "US": ("Maple Street", "Oak Avenue", "Cedar Lane", "Elm Street", "Park Avenue"),
    "CA": ("King Street", "Rue Saint-Denis", "Maple Avenue", "Queen Street"),
    "MX": ("Avenida Reforma", "Calle Hidalgo", "Calle Juárez", "Avenida Insurgentes"),
    "BR": ("Rua Augusta", "Avenida Paulista", "Rua das Palmeiras", "Rua XV de Novembro"),
    "JP": ("Jingumae", "Shibuya", "Umeda", "Kita-ku", "Nakano"),
    "AU": ("George Street", "Beach Road", "Chapel Street", "Queen Street"),
    "KR": ("Gangnam-daero", "Teheran-ro", "Haeundae-ro"),
    "SG": ("Orchard Road", "Tiong Bahru Road", "Holland Avenue", "Tampines Street"),
    "AE": ("Sheikh Zayed Road", "Al Wasl Road", "Corniche Road"),
    "IN": ("MG Road", "Linking Road", "Residency Road", "Nehru Place"),
    "ZA": ("Long Street", "Main Road", "Jan Smuts Avenue", "Florida Road"),
}
NUMBER_FIRST = ("FR", "IE", "GB", "US", "CA", "AU", "SG", "IN", "ZA", "AE")

# How many customers per country, relatively (the shop sells mostly to the Benelux and Germany).
COUNTRY_WEIGHTS: dict[str, int] = {
    "NL": 15,
    "DE": 14,
    "BE": 7,
    "FR": 8,
    "ES": 5,
    "PT": 3,
    "IT": 5,
    "AT": 3,
    "IE": 2,
    "PL": 3,
    "SE": 3,
    "DK": 2,
    "FI": 2,
    "GB": 6,
    "CH": 3,
    "NO": 2,
    "US": 6,
    "CA": 3,
    "MX": 2,
    "BR": 2,
    "JP": 2,
    "AU": 2,
    "KR": 1,
    "SG": 1,
    "AE": 1,
    "IN": 1,
    "ZA": 1,
}

EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
