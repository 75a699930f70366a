"""English guides of the demo hall's items (shown on the kiosk in English mode).

Pure data, like demo_data: per item code the legal basis, the conditions and the materials in
English; the procedure steps, time limits and fees are translated by the tables below, since
many items share them. demo_data merges these into each item's ``disclosure`` as the ``*_en``
fields (basis_en, conditions_en, materials_en, procedure_en, time_limit_en, fees_en).
"""

from __future__ import annotations

from typing import Any


def _o(text: str, n: int = 1) -> str:
    return f"{text} (original, {n})"


def _c(text: str, n: int = 1) -> str:
    return f"{text} (photocopy, {n})"


ONE_THING = (
    "State Council Guidelines on Further Optimising Government Services and Getting "
    "\u201cOne Thing\u201d Done Efficiently (Guo Fa [2024] No. 3)"
)

GUIDES_EN: dict[str, dict[str, Any]] = {
    "SCJG-001": {
        "basis": "Regulations on the Registration of Market Entities, Arts. 3 and 19; Regulations on Promoting the "
        "Development of Individual Businesses, Art. 8",
        "conditions": "A citizen able to run a business, with fixed business premises, in a trade not prohibited "
        "by law or administrative regulations",
        "materials": [
            _o("Registration (filing) application form"),
            _o("Operator's ID document"),
            _c("Proof of the right to use the premises"),
        ],
    },
    "SCJG-002": {
        "basis": "Regulations on the Registration of Market Entities, Art. 24; Implementing Rules of the "
        "Regulations, Art. 31",
        "conditions": "The registered name, operator, premises or business scope of an individual business has changed",
        "materials": [
            _o("Change registration application form"),
            _o("Business licence, original and duplicate"),
            _o("Operator's ID document"),
            _c("Documents proving the change"),
        ],
    },
    "SCJG-003": {
        "basis": "Company Law, Art. 29; Regulations on the Registration of Market Entities, Art. 19",
        "conditions": "The legal number of shareholders, capital contributions as the articles of association "
        "provide, a company name, a domicile and an organisational structure",
        "materials": [
            _o("Company registration (filing) application form"),
            _o("Articles of association"),
            _c("Proof of the shareholders' legal status"),
            _o(
                "Appointment papers of the legal representative, directors, supervisors and manager"
            ),
            _c("Proof of the right to use the domicile"),
        ],
    },
    "SCJG-004": {
        "basis": "Food Safety Law, Art. 35; Measures on Food Business Licensing and Filing, Arts. 4 and 22",
        "conditions": "Premises, equipment, food safety staff and rules suited to the kinds and amounts of food sold",
        "materials": [
            _o("Food business licence application form"),
            _c("Business licence"),
            _o("Floor plan of the premises and layout of the equipment"),
            _o("Food safety self-inspection and staff health management rules"),
        ],
    },
    "SCJG-005": {
        "basis": "Implementing Rules of the Regulations on the Registration of Market Entities, Art. 64",
        "conditions": "The business licence was lost or damaged and has been declared void on the National "
        "Enterprise Credit Information Publicity System",
        "materials": [
            _o("Licence replacement application form"),
            _o("ID document of the legal representative (operator)"),
            _o("Screenshot of the declaration that the licence is void"),
        ],
    },
    "SCJG-006": {
        "basis": f"Regulations on Optimising the Business Environment, Art. 19; {ONE_THING}",
        "conditions": "A new company applies once for its business licence, official seal, tax matters, social "
        "insurance registration, housing fund registration and a bank account appointment",
        "materials": [
            _o("Business start-up package application form"),
            _o("Articles of association"),
            _c("ID documents of all shareholders and the legal representative"),
            _c("Proof of the right to use the domicile"),
        ],
    },
    "RSJ-001": {
        "basis": "Social Insurance Law, Art. 58; Measures on the Administration of Social Security Cards "
        "(Ren She Bu Fa [2011] No. 47)",
        "conditions": "An insured person whose social security card is lost or damaged, or who needs the "
        "third-generation card",
        "materials": [_o("Resident ID card"), _o("Card replacement application form")],
    },
    "RSJ-002": {
        "basis": "Social Insurance Law, Art. 10; Interim Regulations on the Collection of Social Insurance "
        "Contributions, Art. 7",
        "conditions": "Individual business owners without employees, part-time workers not insured through an "
        "employer, and other flexible workers",
        "materials": [_o("Resident ID card"), _o("Flexible workers' enrolment form")],
    },
    "RSJ-003": {
        "basis": "Social Insurance Law, Arts. 45 and 50; Regulations on Unemployment Insurance, Arts. 14 and 16",
        "conditions": "Employer and employee paid unemployment insurance for at least one year before the job "
        "ended involuntarily; registered as unemployed and looking for work",
        "materials": [
            _o("Resident ID card or social security card"),
            _o("Proof that the employment contract ended"),
            _c("Bank account details"),
        ],
    },
    "RSJ-004": {
        "basis": "Employment Promotion Law, Art. 35; Provisions on Employment Services and Management, Art. 63",
        "conditions": "Urban and rural workers of working age, able to work and wanting work",
        "materials": [_o("Resident ID card"), "A recent one-inch photo, bareheaded (1)"],
    },
    "RSJ-005": {
        "basis": "Social Insurance Law, Art. 19; Interim Measures on Transferring Basic Pension Insurance of "
        "Urban Employees (Guo Ban Fa [2009] No. 66), Art. 8",
        "conditions": "A person in the employees' basic pension insurance who now works and is insured in "
        "another pooling area",
        "materials": [
            _o("Resident ID card or social security card"),
            _o("Pension insurance transfer application form"),
        ],
    },
    "RSJ-006": {
        "basis": f"Social Insurance Law, Art. 16; {ONE_THING}",
        "conditions": "An insured person at the statutory retirement age with the minimum contribution years; "
        "the pension, medical insurance benefits and housing fund withdrawal are handled together",
        "materials": [
            _o("Resident ID card or social security card"),
            _o("Retirement declaration form"),
            _o("Personnel file"),
            _o("Housing provident fund withdrawal application"),
        ],
    },
    "YBJ-001": {
        "basis": "Social Insurance Law, Art. 25; State Council Opinions on Integrating the Basic Medical "
        "Insurance of Urban and Rural Residents (Guo Fa [2016] No. 3)",
        "conditions": "Residents registered in the district, or holding its residence permit, who are not in the "
        "employees' basic medical insurance",
        "materials": [
            _o("Resident ID card or household register"),
            _o("Residents' medical insurance enrolment form"),
        ],
    },
    "YBJ-002": {
        "basis": "Notice on Direct Settlement of Cross-province Medical Treatment (Yi Bao Fa [2022] No. 22)",
        "conditions": "Insured persons who live or work elsewhere for a long time, or who seek treatment elsewhere",
        "materials": [
            _o("Resident ID card or electronic medical insurance certificate"),
            _o("Cross-province medical treatment filing form"),
        ],
    },
    "YBJ-003": {
        "basis": "Regulations on the Supervision of Medical Insurance Funds, Art. 15; National Healthcare "
        "Security Administration notice on chronic and special outpatient diseases",
        "conditions": "Insured persons of the district diagnosed by a designated hospital of grade two or above "
        "with a listed chronic or special disease",
        "materials": [
            _o("Electronic medical insurance certificate or social security card"),
            _o("Chronic disease application form"),
            _c("Medical records and test reports of the past two years"),
        ],
    },
    "YBJ-004": {
        "basis": "Social Insurance Law, Art. 29; Regulations on the Supervision of Medical Insurance Funds, Art. 19",
        "conditions": "Eligible medical costs the insured person paid in full (emergency treatment, or direct "
        "settlement was not possible)",
        "materials": [
            _o("Electronic medical insurance certificate or social security card"),
            _o("Medical invoices"),
            _o("Itemised cost list"),
            _c("Discharge record or outpatient record"),
        ],
    },
    "YBJ-005": {
        "basis": "Social Insurance Law, Art. 32; Interim Measures on Transferring Basic Medical Insurance "
        "(Yi Bao Ban Fa [2021] No. 43)",
        "conditions": "Insured persons who moved to work in another pooling area and are insured there",
        "materials": [
            _o("Resident ID card or electronic medical insurance certificate"),
            _o("Medical insurance transfer application form"),
        ],
    },
    "BDC-001": {
        "basis": "Civil Code, Art. 209; Interim Regulations on Real Estate Registration, Arts. 3 and 20; "
        "Implementing Rules, Art. 38",
        "conditions": "Buyer and seller have signed the resale contract, filed it online and paid the taxes due",
        "materials": [
            _o("Real estate registration application form"),
            _o("ID documents of buyer and seller"),
            _o("Real estate title certificate"),
            _o("Resale housing contract"),
            _o("Tax payment certificate"),
        ],
    },
    "BDC-002": {
        "basis": "Civil Code, Art. 402; Implementing Rules of the Interim Regulations on Real Estate "
        "Registration, Arts. 65 and 66",
        "conditions": "Registered real estate is mortgaged and the mortgage contract is signed",
        "materials": [
            _o("Real estate registration application form"),
            _o("ID documents of mortgagor and mortgagee"),
            _o("Real estate title certificate"),
            _o("Mortgage contract and main loan contract"),
        ],
    },
    "BDC-003": {
        "basis": "Interim Regulations on Real Estate Registration, Art. 27; Interim Measures on Inquiries into "
        "Real Estate Registration Records, Art. 11",
        "conditions": "Right holders, interested parties or state organs inquiring as the law allows",
        "materials": [
            _o("Records inquiry application form"),
            _o("Inquirer's ID document"),
            _o("Proof of interest (for interested parties)"),
        ],
    },
    "BDC-004": {
        "basis": "Civil Code, Arts. 230 and 1121; Implementing Rules of the Interim Regulations on Real Estate "
        "Registration, Arts. 14 and 27",
        "conditions": "Real estate acquired by inheritance or bequest; all legal heirs have confirmed their "
        "shares, or a notarial certificate or effective court document is held",
        "materials": [
            _o("Real estate registration application form"),
            _o("Death certificate of the deceased"),
            _o("ID documents of all legal heirs and proof of kinship"),
            _o("Notarised certificate of inheritance or waiver of inheritance"),
            _o("Real estate title certificate"),
        ],
    },
    "BDC-005": {
        "basis": "Civil Code, Art. 393; Implementing Rules of the Interim Regulations on Real Estate "
        "Registration, Art. 72",
        "conditions": "The main debt is extinguished, the mortgage has been realised, or the mortgagee gives it up",
        "materials": [
            _o("Real estate registration application form"),
            _o("Applicant's ID document"),
            _o("Real estate registration certificate"),
            _o("Proof that the mortgage has ended"),
        ],
    },
    "BDC-006": {
        "basis": "Interim Regulations on Real Estate Registration, Art. 21; Opinions on \u201cInternet + Real "
        "Estate Registration\u201d (Zi Ran Zi Fa [2020] No. 83)",
        "conditions": "Buyer and seller apply once: online contract filing, taxes, transfer registration and the "
        "transfer of water, power, gas and cable TV accounts",
        "materials": [
            _o("Real estate registration application form"),
            _o("ID documents of buyer and seller"),
            _o("Real estate title certificate"),
            _o("Resale housing contract"),
            _o("Water, power and gas account numbers"),
        ],
    },
    "GAHZ-001": {
        "basis": "Resident Identity Card Law, Arts. 3 and 11",
        "conditions": "District residents whose ID card has expired, is damaged or whose details have changed",
        "materials": [
            _o("The old resident ID card"),
            _o("Household register"),
            "Photo and fingerprints taken on site",
        ],
    },
    "GAHZ-002": {
        "basis": "Resident Identity Card Law, Arts. 11 and 12",
        "conditions": "District residents who have lost their ID card",
        "materials": [_o("Household register"), "Photo and fingerprints taken on site"],
    },
    "GAHZ-003": {
        "basis": "Resident Identity Card Law, Art. 14; Measures on Temporary Resident Identity Cards, Art. 4",
        "conditions": "District residents who urgently need an ID card while theirs is being issued, renewed or replaced",
        "materials": [_o("Household register"), _o("Receipt of the ID card application")],
    },
    "GAHZ-004": {
        "basis": "Regulations on Household Registration, Art. 7",
        "conditions": "A newborn with at least one parent registered in the district; the birth is declared by "
        "the head of household, a relative, a guardian or a neighbour",
        "materials": [
            _o("Birth medical certificate"),
            _o("Both parents' ID cards and household registers"),
            _o("Parents' marriage certificate"),
        ],
    },
    "GAHZ-005": {
        "basis": "Regulations on Household Registration, Arts. 10 and 13; State Council Opinions on Further "
        "Reforming Household Registration (Guo Fa [2014] No. 25)",
        "conditions": "Spouses, parents joining their children, children joining their parents and others who "
        "meet the city's conditions for settling",
        "materials": [
            _o("ID card and household register of the person moving"),
            _o("ID card and household register of the relative joined"),
            _o("Proof of kinship"),
            _c("Proof of a lawful, stable residence"),
        ],
    },
    "GAHZ-006": {
        "basis": "Interim Regulations on Residence Permits, Arts. 2, 9 and 10",
        "conditions": "Living in the district for over six months away from one's registered residence, with "
        "stable lawful work, a stable lawful residence, or continuous study",
        "materials": [
            _o("Resident ID card"),
            _o("Residence registration slip"),
            _c("Proof of work, residence or study"),
        ],
    },
    "SWJ-001": {
        "basis": "Measures on the Administration of Invoices, Arts. 15 and 16; Implementing Rules, Art. 15",
        "conditions": "Taxpayers who have confirmed their tax information and whose invoice types are approved",
        "materials": [_o("ID document of the person handling it"), _o("Invoice book or tax UKey")],
    },
    "SWJ-002": {
        "basis": "Law on the Administration of Tax Collection, Art. 15; Measures on Tax Registration, Art. 10",
        "conditions": "Newly licensed companies, individual businesses and other taxpayers: information "
        "confirmation, tax types and invoice types",
        "materials": [
            _c("Business licence"),
            _o("ID documents of the legal representative and tax staff"),
            _o("New taxpayer service package form"),
        ],
    },
    "SWJ-003": {
        "basis": "Deed Tax Law, Arts. 9 and 10; Individual Income Tax Law, Art. 2; Interim Regulations on "
        "Value-added Tax",
        "conditions": "The resale contract is filed online; buyer and seller declare and pay deed tax, VAT, "
        "income tax and other taxes",
        "materials": [
            _o("ID documents of buyer and seller"),
            _o("Resale housing contract"),
            _c("The former real estate title certificate"),
            _o("Result of the family housing inquiry"),
        ],
    },
    "SWJ-004": {
        "basis": "Law on the Administration of Tax Collection, Art. 34; Measures on Tax Receipts, Art. 21",
        "conditions": "Taxpayers who have paid tax and need a certificate of it",
        "materials": [
            _o("Taxpayer's ID document"),
            _o("Agent's ID document and authorisation (if by an agent)"),
        ],
    },
    "SWJ-005": {
        "basis": "State Council Decision on Administrative Licensing for Retained Approval Items (Decree No. 412), "
        "item 236; Measures on the Administration of Invoices",
        "conditions": "General VAT taxpayers, and small-scale taxpayers issuing special VAT invoices themselves, "
        "who need a different invoice limit",
        "materials": [
            _o("Tax administrative licence application form"),
            _o("Special VAT invoice limit application"),
            _o("ID document of the person handling it"),
        ],
    },
    "GJJ-001": {
        "basis": "Regulations on the Administration of Housing Provident Funds, Art. 24(1)(i) and Art. 25",
        "conditions": "The contributor or spouse bought a home to live in within the city and holds the title "
        "certificate or a filed purchase contract",
        "materials": [
            _o("Contributor's ID document"),
            _o("Purchase contract or title certificate"),
            _o("Purchase invoice or deed tax certificate"),
            _o("Own bank card"),
        ],
    },
    "GJJ-002": {
        "basis": "Regulations on the Administration of Housing Provident Funds, Art. 24(1)(i); Notice on Easing "
        "Withdrawals for Rent (Jian Jin [2015] No. 19)",
        "conditions": "Full contributions for three months in a row; neither the contributor nor the spouse "
        "owns a home in the city, and they rent",
        "materials": [
            _o("Contributor's ID document"),
            _o("Certificate of owning no property"),
            _c("Rental contract"),
        ],
    },
    "GJJ-003": {
        "basis": "Regulations on the Administration of Housing Provident Funds, Art. 24(1)(ii) and (iv)",
        "conditions": "The contributor has retired, or left the employer without new work, or moved their "
        "household registration out of the city",
        "materials": [
            _o("Contributor's ID document"),
            _o("Retirement certificate or proof that employment ended"),
            _o("Own bank card"),
        ],
    },
    "GJJ-004": {
        "basis": "Regulations on the Administration of Housing Provident Funds, Art. 26; Standard for Housing "
        "Provident Fund Personal Housing Loans (GB/T 51268-2017)",
        "conditions": "Full contributions for six months in a row; buying, building or repairing a home to live "
        "in; stable income and the means to repay",
        "materials": [
            _o("ID documents, household registers and marriage papers of the borrower and spouse"),
            _o("Purchase contract"),
            _o("Proof of the down payment"),
            _o("Proof of income"),
        ],
    },
    "GJJ-005": {
        "basis": "Regulations on the Administration of Housing Provident Funds, Arts. 13 and 14",
        "conditions": "New employers, and employers not yet registered for housing provident fund contributions",
        "materials": [
            _o("Employer contribution registration form"),
            _c("Business licence or unified social credit code certificate"),
            _o("ID document of the person handling it"),
        ],
    },
    "MZJ-001": {
        "basis": "Interim Measures on Social Assistance, Arts. 9 and 11; Measures on Reviewing Minimum Living "
        "Allowances (Min Fa [2021] No. 57), Art. 18",
        "conditions": "Household income per head below the district's minimum living standard, and household "
        "property within the limits",
        "materials": [
            _o("Application for the minimum living allowance"),
            _o("ID documents and household registers of the family"),
            _o("Authorisation to check the family's finances"),
            _o("Statement of income and property"),
        ],
    },
    "MZJ-002": {
        "basis": "Interim Measures on Social Assistance, Arts. 14 and 19; Measures on Identifying Persons in "
        "Extreme Poverty (Min Fa [2021] No. 43), Art. 14",
        "conditions": "Older people, people with disabilities and minors who cannot work, have no income and "
        "no one legally bound and able to support them",
        "materials": [
            _o("Application for support"),
            _o("Applicant's ID document and household register"),
            _o("Disability certificate or proof of inability to work"),
            _o("Authorisation to check the finances"),
        ],
    },
    "MZJ-003": {
        "basis": "Interim Measures on Social Assistance, Arts. 47 and 49; State Council Notice on Temporary "
        "Assistance (Guo Fa [2014] No. 47)",
        "conditions": "Families or persons in sudden severe hardship after a fire, traffic accident, serious "
        "illness or other emergency",
        "materials": [
            _o("Application for temporary assistance"),
            _o("Applicant's ID document"),
            _c("Proof of the hardship"),
        ],
    },
    "MZJ-004": {
        "basis": "Law on the Protection of the Rights and Interests of the Elderly, Art. 33; Notice on Allowances "
        "for the Very Old and Disabled Elderly in Financial Difficulty",
        "conditions": "District residents aged 80 or over",
        "materials": [
            _o("Advanced age allowance application form"),
            _o("ID document and household register"),
            _c("Own social security card or bank card"),
        ],
    },
    "MZJ-005": {
        "basis": f"Regulations on Funeral and Interment; {ONE_THING}",
        "conditions": "After a district resident dies, the family applies once: household deregistration, "
        "pension stop and funeral grant, medical insurance stop, housing fund withdrawal, funeral subsidy",
        "materials": [
            _o("Medical certificate of death"),
            _o("ID document and household register of the deceased"),
            _o("Applicant's ID document and proof of kinship"),
            _o("Cremation certificate"),
        ],
    },
    "JTJ-001": {
        "basis": "Regulations on Road Transport, Arts. 21 and 24; Provisions on Road Freight Transport and "
        "Stations, Arts. 6 and 11",
        "conditions": "Inspected vehicles suited to the business, qualified drivers, and sound safety management rules",
        "materials": [
            _o("Road freight transport application form"),
            _o("ID documents of the manager and agent"),
            _c("Vehicle licences"),
            _c("Drivers' qualification certificates"),
            _o("Safety management rules"),
        ],
    },
    "JTJ-002": {
        "basis": "Provisions on Road Transport Workers, Art. 33",
        "conditions": "Road transport workers whose qualification certificate has expired, is lost or damaged",
        "materials": [
            _o("Certificate replacement (renewal) application form"),
            _o("Own ID document"),
            _o("The old certificate (for renewal)"),
        ],
    },
    "JTJ-003": {
        "basis": "Regulations on Road Transport, Art. 40; Provisions on Motor Vehicle Repair, Art. 11",
        "conditions": "Holds a business licence, with premises, equipment and technicians suited to the repair category",
        "materials": [
            _o("Vehicle repair business filing form"),
            _c("Proof of the workshop and parking space"),
            _c("Technicians' qualification certificates"),
        ],
    },
    "JTJ-004": {
        "basis": "Provisions on Taxi Driver Qualifications, Arts. 20 and 21",
        "conditions": "Holds a taxi driver qualification certificate and a labour or operating contract with a taxi company",
        "materials": [
            _o("Registration application form"),
            _o("Qualification certificate"),
            _c("Labour or operating contract"),
            _o("Letter authorising the agency service"),
        ],
    },
    "ZRJ-001": {
        "basis": "Urban and Rural Planning Law, Art. 40",
        "conditions": "Building works, roads, pipelines or other construction within a city or town planning area, "
        "with the land use right obtained",
        "materials": [
            _o("Planning permit application form"),
            _c("Proof of the land use right"),
            _o("Site plan of the design scheme"),
            _c("Review opinion on the design scheme"),
        ],
    },
    "ZRJ-002": {
        "basis": "Urban and Rural Planning Law, Art. 41",
        "conditions": "Township enterprises, rural public facilities and villagers' houses within a township or "
        "village planning area",
        "materials": [
            _o("Rural planning permit application form"),
            _o("Opinion of the villagers' committee"),
            _c("Proof of the homestead or collective construction land"),
            _o("Design drawings"),
        ],
    },
    "ZRJ-003": {
        "basis": "Land Administration Law, Art. 57; Implementing Regulations, Art. 20; Notice on Temporary Land "
        "Use (Zi Ran Zi Gui [2021] No. 2)",
        "conditions": "Construction, geological survey or similar needing state or collective land for a while, "
        "usually no longer than two years",
        "materials": [
            _o("Temporary land use application form"),
            _o("Temporary land use contract"),
            _o("Land reclamation plan"),
            _o("Survey and boundary map"),
        ],
    },
    "WJJ-001": {
        "basis": "Law on Maternal and Infant Health Care, Art. 23; National Health Commission notice on birth "
        "medical certificates",
        "conditions": "Guardians of a child born in a district maternity unit whose birth medical certificate is lost",
        "materials": [
            _o("Reissue application form"),
            _o("Both parents' ID documents"),
            _c("The child's household register"),
            _c("Delivery hospital record"),
        ],
    },
    "WJJ-002": {
        "basis": "Law on Basic Medical and Health Care, Art. 38; Regulations on Medical Institutions, Art. 15; "
        "Interim Measures on Clinic Filing",
        "conditions": "Run by a qualified practising doctor or nurse; rooms, equipment and staff meet the basic "
        "standard for clinics",
        "materials": [
            _o("Clinic filing form"),
            _c("Founder's ID document and practising certificate"),
            _c("Title or right of use of the clinic rooms"),
            _o("Rules and staff list"),
        ],
    },
    "WJJ-003": {
        "basis": "Regulations on Hygiene in Public Places, Art. 8; Implementing Rules, Art. 22",
        "conditions": "Hotels, baths, beauty and hair salons, swimming pools and similar places whose facilities "
        "and hygiene rules meet the standards",
        "materials": [
            _o("Health permit application form"),
            _c("Business licence"),
            _o("Floor plan"),
            _o("Hygiene test report"),
        ],
    },
    "WJJ-004": {
        "basis": f"{ONE_THING}; Regulations on Household Registration, Art. 7",
        "conditions": "For a child born in the district the guardian applies once: birth medical certificate, "
        "household registration, vaccination certificate, medical insurance and social security card",
        "materials": [
            _o("Newborn package application form"),
            _o("Both parents' ID documents and household registers"),
            _o("Parents' marriage certificate"),
            _o("Birth medical certificate"),
        ],
    },
    "CL-001": {
        "basis": "Law on the Protection of Persons with Disabilities, Art. 2; Measures on Disability Certificates "
        "(Can Lian Fa [2017] No. 32), Art. 7",
        "conditions": "District residents who meet the disability standard, assessed by a designated hospital",
        "materials": [
            _o("Disability certificate application form"),
            _o("ID document and household register"),
            "Recent two-inch colour photos, bareheaded (3)",
            _o("Disability assessment form"),
        ],
    },
    "CL-002": {
        "basis": "Measures on Disability Certificates (Can Lian Fa [2017] No. 32), Arts. 14 and 15",
        "conditions": "Holders whose certificate has expired, is damaged or whose details have changed",
        "materials": [
            _o("Certificate renewal application form"),
            _o("The old disability certificate"),
            "Recent two-inch colour photos, bareheaded (2)",
        ],
    },
    "CL-003": {
        "basis": "State Council Opinions on Living Subsidies for People with Disabilities in Difficulty and "
        "Nursing Subsidies for People with Severe Disabilities (Guo Fa [2015] No. 52)",
        "conditions": "Living subsidy: people with disabilities in families on the minimum living allowance; "
        "nursing subsidy: grade one or two disabilities needing long-term care",
        "materials": [
            _o("Two-subsidy application form"),
            _o("Second-generation disability certificate"),
            _c("Minimum living allowance certificate (for the living subsidy)"),
            _c("Own bank card"),
        ],
    },
    "CL-004": {
        "basis": "Notice of the Ministry of Finance and the China Disabled Persons' Federation on Fuel Subsidies "
        "for Motorised Wheelchairs; Law on the Protection of Persons with Disabilities, Art. 50",
        "conditions": "People with lower-limb disabilities holding the second-generation certificate, driving "
        "their own motorised wheelchair with a valid driving licence",
        "materials": [
            _o("Fuel subsidy application form"),
            _o("Disability certificate"),
            _c("Driving licence and vehicle licence"),
            _o("Letter authorising the agency service"),
        ],
    },
    "ZJJ-001": {
        "basis": "Urban Real Estate Administration Law, Art. 45; Measures on Sales of Commercial Housing; "
        "Guidelines on Online Filing of Housing Contracts (Jian Fang [2018] No. 128)",
        "conditions": "A project with a pre-sale permit or sale filing; buyer and seller have signed the contract",
        "materials": [
            _o("Commercial housing sales contract"),
            _o("Buyer's ID document"),
            _o("Developer's letter of authorisation"),
        ],
    },
    "ZJJ-002": {
        "basis": "Measures on Public Rental Housing (Ministry Decree No. 11), Arts. 7 and 9",
        "conditions": "Lower-middle-income urban families with no home or too little space, new employees "
        "without a home, and migrant workers, within the income and property limits",
        "materials": [
            _o("Public rental housing application form"),
            _o("ID documents and household registers of the family"),
            _o("Proof of housing"),
            _o("Proof of income"),
        ],
    },
    "ZJJ-003": {
        "basis": "Construction Law, Arts. 7 and 8; Measures on Construction Work Permits (Ministry Decree "
        "No. 18), Art. 4",
        "conditions": "Land approval and the planning permit obtained, the contractor chosen, funding and "
        "construction drawings in place",
        "materials": [
            _o("Construction work permit application form"),
            _c("Construction project planning permit"),
            _c("Notice of award or approval of direct contracting"),
            _c("Certificate that the construction drawings passed review"),
        ],
    },
    "ZWZX-001": {
        "basis": "State Council Guidelines on Standardised, Regulated and Convenient Government Services "
        "(Guo Fa [2022] No. 5); Operating Standard for Government Service Centres (GB/T 32169)",
        "conditions": "Businesses and people at the centre who ask about guides, materials or procedures, or "
        "need to be directed",
        "materials": ["No materials needed (bring any related documents for a pre-check)"],
    },
    "ZWZX-002": {
        "basis": "Regulations on Optimising the Business Environment, Art. 41; Opinions on Reforming the Approval "
        "of Construction Projects (Guo Ban Fa [2019] No. 11)",
        "conditions": "Small low-risk private projects, new or extended, whose builder asks the centre's agents "
        "to handle project approval, planning, construction permit and acceptance",
        "materials": [
            _o("Agency service authorisation"),
            _c("Builder's business licence"),
            _o("Project summary form"),
            _c("Proof of the land use right"),
        ],
    },
    "ZWZX-003": {
        "basis": "General Office of the State Council: Plan to Help Older People with Smart Technology "
        "(Guo Ban Fa [2020] No. 45)",
        "conditions": "Older people with limited mobility, people with severe disabilities or serious illness; "
        "they or their family book a home visit",
        "materials": [
            _o("Home visit booking form"),
            _c("ID document of the person served"),
            _c("Proof of limited mobility"),
        ],
    },
    "ZWZX-004": {
        "basis": "Guidelines on Inter-provincial Government Services (Guo Ban Fa [2020] No. 35)",
        "conditions": "Applicants at this centre for items on the inter-provincial list that another province handles",
        "materials": [
            _o("Inter-provincial proxy application form"),
            _o("Applicant's ID document"),
            "Other materials the handling place asks for (see its guide)",
        ],
    },
}

# every procedure step of the demo's items
STEPS_EN: dict[str, str] = {
    "申请": "Apply",
    "受理": "Acceptance",
    "审查": "Review",
    "核准发照": "Approval and licence issued",
    "核准换照": "Approval and new licence issued",
    "网上申报": "Online application",
    "窗口受理": "Acceptance at the window",
    "核准": "Approval",
    "发照": "Licence issued",
    "材料审查": "Review of materials",
    "现场核查": "On-site check",
    "许可决定": "Licensing decision",
    "制证送达": "Certificate made and delivered",
    "补发执照": "Licence reissued",
    "一表申请": "One form for everything",
    "一窗受理": "One window accepts",
    "部门并联审批": "Departments approve in parallel",
    "统一出件": "All results handed over together",
    "免费邮寄": "Free postal delivery",
    "挂失（遗失的）": "Report the loss (if lost)",
    "信息核验": "Information check",
    "即时制卡": "Card made on the spot",
    "领卡激活": "Collect and activate the card",
    "登记": "Registration",
    "告知缴费方式": "How to pay is explained",
    "失业登记": "Unemployment registration",
    "申领": "Claim",
    "审核": "Review",
    "核定待遇": "Benefit assessed",
    "按月发放": "Paid monthly",
    "发证": "Certificate issued",
    "联系函发出": "Liaison letter sent",
    "转出地办理转出": "Transfer out at the old place",
    "转入地接续": "Continued at the new place",
    "咨询预审": "Advice and pre-check",
    "人社、医保、公积金并联审核": "Human resources, medical insurance and housing fund review in parallel",
    "待遇核定": "Benefit assessed",
    "结果告知": "Result notified",
    "告知缴费": "Payment explained",
    "备案": "Filing",
    "告知": "Notification",
    "专家评审": "Expert review",
    "认定": "Recognition",
    "费用结算": "Costs settled",
    "拨付到账": "Paid into the account",
    "转入申请": "Transfer-in application",
    "转出地办结": "Completed at the old place",
    "登簿": "Entered in the register",
    "缮证发证": "Certificate prepared and issued",
    "发放不动产登记证明": "Registration certificate issued",
    "查询": "Inquiry",
    "出具查询结果": "Inquiry result issued",
    "查验询问": "Checks and questions",
    "公示（15个工作日，不计入承诺时限）": "Public notice (15 working days, not counted in the time limit)",
    "登簿发证": "Registered and certificate issued",
    "住建、税务、不动产并联办理": "Housing, tax and real estate handled in parallel",
    "缴税": "Pay the taxes",
    "公共事业过户推送": "Utility accounts transferred",
    "人像指纹采集": "Photo and fingerprints taken",
    "制证": "Card made",
    "领证（可选择邮寄）": "Collect the card (or have it posted)",
    "挂失": "Report the loss",
    "领证": "Collect the card",
    "当场制证": "Made on the spot",
    "申报": "Declaration",
    "登记入户": "Entered in the household",
    "签发户口簿户口页": "Household register page issued",
    "准迁（跨省通办，迁出地自动迁出）": "Move approved (moved out automatically across provinces)",
    "落户": "Settled",
    "身份核验": "Identity check",
    "发售发票": "Invoices issued",
    "信息确认": "Information confirmed",
    "税（费）种认定": "Tax types set",
    "票种核定": "Invoice types approved",
    "办结": "Completed",
    "计税价格核定": "Taxable price assessed",
    "税费计算": "Taxes calculated",
    "缴纳": "Payment",
    "开具完税凭证": "Tax payment certificate issued",
    "查询核对": "Records checked",
    "开具": "Issued",
    "实地核查（需要时）": "On-site check (when needed)",
    "决定": "Decision",
    "送达": "Delivery",
    "审批": "Approval",
    "资金划转": "Funds transferred",
    "销户": "Account closed",
    "签订合同": "Contract signed",
    "抵押登记": "Mortgage registered",
    "放款": "Loan paid out",
    "设立个人账户": "Personal account opened",
    "家庭经济状况调查核对": "Family finances investigated and checked",
    "民主评议及公示": "Community review and public notice",
    "审核确认": "Reviewed and confirmed",
    "发放": "Paid out",
    "调查核实": "Investigation",
    "公示": "Public notice",
    "供养": "Support provided",
    "发放（急难型可先行救助）": "Paid out (emergencies are helped first)",
    "公安、人社、医保、公积金、民政并联办理": "Police, human resources, medical insurance, housing fund and civil affairs in parallel",
    "统一反馈": "One reply for everything",
    "提交备案": "Filing submitted",
    "材料核对": "Materials checked",
    "出具回执": "Receipt issued",
    "综合窗口代收": "Received at the comprehensive window",
    "材料流转交通运输局": "Materials passed to the Transport Bureau",
    "审核注册": "Reviewed and registered",
    "结果送达": "Result delivered",
    "批前公示": "Public notice before approval",
    "现场踏勘": "Site visit",
    "批准": "Approved",
    "核查原始档案": "Original records checked",
    "补发": "Reissued",
    "发放诊所备案凭证": "Clinic filing certificate issued",
    "现场审核": "On-site review",
    "卫健、公安、医保、人社并联办理": "Health, police, medical insurance and human resources in parallel",
    "结果统一寄送": "All results posted together",
    "残疾评定": "Disability assessment",
    "审核（残联）": "Review (Disabled Persons' Federation)",
    "审定（民政）": "Decision (Civil Affairs)",
    "材料流转区残联": "Materials passed to the district Disabled Persons' Federation",
    "补贴发放": "Subsidy paid",
    "合同信息核验": "Contract details checked",
    "网签备案": "Online contract filing",
    "出具备案证明": "Filing certificate issued",
    "轮候配租": "Waiting list and allocation",
    "咨询": "Ask",
    "一次性告知": "Everything needed told at once",
    "引导取号或预约": "Shown where to take a number or book",
    "签订委托": "Authorisation signed",
    "代办员分段代办": "Agents handle each stage",
    "并联审批": "Parallel approval",
    "结果移交": "Results handed over",
    "预约登记": "Booking",
    "当场确认上门时间": "Visit time confirmed on the spot",
    "工作人员上门受理": "Staff accept at home",
    "代收受理": "Received on behalf",
    "材料核验": "Materials checked",
    "寄递或线上流转至办理地": "Posted or sent online to the handling place",
    "办理地审批": "Approved where it is handled",
    "结果寄送": "Result posted",
}

FEES_EN: dict[str, str] = {
    "不收费": "Free of charge",
    "不收费（首套公章由区政府购买服务免费刻制）": "Free of charge (the first set of seals is made free, paid by the district government)",
    "不收费（个人缴费按当年度城乡居民医保筹资标准执行）": "Free of charge (the personal contribution follows this year's residents' medical insurance rate)",
    "首次申领不收费；换领、补领收取工本费20元": "First certificate free; renewal or replacement costs CNY 20",
    "不收取行政事业性收费；税款按相关税收法律法规缴纳": "No administrative fees; taxes are paid as the tax laws require",
    "不收费（土地复垦费按复垦方案另行预存）": "Free of charge (the land reclamation deposit follows the reclamation plan)",
    "不收费（残疾评定费用由区残联承担）": "Free of charge (the disability assessment is paid by the district federation)",
    "不收费（帮办代办为免费公共服务）": "Free of charge (the agency service is a free public service)",
    "不收费（办理地另有收费规定的从其规定）": "Free of charge (unless the handling place charges its own fees)",
}
_DENGJI_FEE_EN = (
    "Registration fee: CNY 80 per residential case, CNY 550 per non-residential case; CNY 10 for each "
    "extra certificate (NDRC and Ministry of Finance notice, Fa Gai Jia Ge Gui [2016] No. 2559)"
)
_ID_FEE_EN = "ID card fee CNY {n} (Ministry of Finance and NDRC notice, Cai Zong [2007] No. 34)"


def fees_en(zh: str) -> str:
    """The English of a fee line of the demo."""
    if zh in FEES_EN:
        return FEES_EN[zh]
    if zh.startswith("不动产登记费"):
        return _DENGJI_FEE_EN + ("; taxes are paid as the tax laws require" if "税款" in zh else "")
    if "居民身份证工本费" in zh:
        return _ID_FEE_EN.format(n=10 if zh.startswith("临时") else 20)
    return ""


def time_limit_en(zh: str) -> str:
    """The English of a time limit: 即办 and 承诺N个工作日."""
    if zh == "即办":
        return "On the spot"
    digits = "".join(ch for ch in zh if ch.isdigit())
    return (
        f"Within {digits} working day{'s' if digits != '1' else ''}"
        if zh.startswith("承诺") and digits
        else ""
    )


def english_guide(code: str, disclosure: dict[str, Any]) -> dict[str, Any]:
    """The ``*_en`` fields of one demo item's guide."""
    g = GUIDES_EN.get(code, {})
    return {
        "basis_en": g.get("basis", ""),
        "conditions_en": g.get("conditions", ""),
        "materials_en": list(g.get("materials", [])),
        "procedure_en": [STEPS_EN.get(step, "") for step in disclosure.get("procedure", [])],
        "time_limit_en": time_limit_en(disclosure.get("time_limit", "")),
        "fees_en": fees_en(disclosure.get("fees", "")),
    }
