"""The words the seed data is made of: people and company names, places, ticket and note texts.

Kept apart from the generators so the logic stays readable; every list is indexed with seeded random
numbers, never shuffled in place, so the same seed always picks the same words.
"""

from __future__ import annotations

FIRST_NAMES = (
    "Olivia Liam Charlotte Noah Amelia Oliver Isla William Mia Jack Ava Henry Grace Leo Chloe Thomas Sophie "
    "James Emily Lucas Ella Ethan Zoe Harrison Ruby Mason Lily Hudson Harper Archer Matilda Samuel Evie "
    "Isaac Willow Alexander Sienna Max Ivy Benjamin Aria Oscar Georgia Lachlan Hannah Hunter Jessica Cooper "
    "Priya Arjun Mei Wei Hiroshi Yuki Fatima Omar Sofia Mateo Ana Diego Aroha Nikau Siobhan Declan Ingrid "
    "Lars Katarina Nikolai Chiara Marco Elena Stavros Aisha Kwame Thandiwe Tariq Layla Nguyen Linh Minh"
).split()
LAST_NAMES = (
    "Smith Jones Williams Brown Wilson Taylor Johnson White Martin Anderson Thompson Nguyen Thomas Walker "
    "Harris Lee Ryan Robinson Kelly King Davis Wright Evans Roberts Green Hall Wood Jackson Clarke Patel "
    "Khan Lewis James Phillips Mitchell Turner Campbell Murphy OBrien Kennedy Chen Wang Li Zhang Liu Singh "
    "Kumar Sharma Rossi Russo Ferrari Papadopoulos Nikolaidis Schmidt Muller Weber Novak Kowalski Silva "
    "Santos Costa Garcia Martinez Lopez Hernandez Tanaka Suzuki Sato Kim Park Choi Tran Pham Le Hoang "
    "Ngata Parata Fraser Campbell McDonald Stewart Morrison Reid Burke Doyle Gallagher Byrne Quinn"
).split()
COMPANY_FIRST = (
    "Acacia Banksia Blue Gum Coral Harbour Ironbark Jacaranda Kestrel Koala Lakeside Lighthouse Mallee "
    "Meridian Northgate Outback Pacific Pinnacle Quarry Redgum Riverbend Saltbush Seaview Southern Cross "
    "Summit Tasman Waratah Wattle Wombat Yarra Zenith Apex Beacon Cobalt Crimson Emerald Granite Horizon "
    "Juniper Keystone Lantern Magnolia Nimbus Orchard Prairie Quantum Sapphire Silverleaf Sterling Tidewater "
    "Vantage Willow Bluestone Copperfield Driftwood Fernhill Goldfield Highland Kingfisher Moonstone"
).split()
COMPANY_MIDDLE = (
    "Dental Legal Logistics Engineering Medical Accounting Freight Architects Realty Motors Pharmacy "
    "Veterinary Construction Plumbing Electrical Hospitality Brewing Winery Fitness Education Surveying "
    "Insurance Finance Media Printing Manufacturing Agriculture Marine Aviation Retail Fashion Furniture "
    "Landscaping Consulting Physiotherapy Optometry Imaging Pathology Labs Studios Security Storage Energy"
).split()
COMPANY_LAST = (
    "Pty Ltd",
    "Group",
    "Partners",
    "Co.",
    "Services",
    "Holdings",
    "& Associates",
    "Australia",
    "Solutions",
    "Collective",
    "Trust",
    "Clinic",
)
CITIES = (
    ("Sydney", "NSW", "2000"),
    ("Parramatta", "NSW", "2150"),
    ("Newcastle", "NSW", "2300"),
    ("Wollongong", "NSW", "2500"),
    ("Melbourne", "VIC", "3000"),
    ("Geelong", "VIC", "3220"),
    ("Ballarat", "VIC", "3350"),
    ("Brisbane", "QLD", "4000"),
    ("Gold Coast", "QLD", "4217"),
    ("Townsville", "QLD", "4810"),
    ("Adelaide", "SA", "5000"),
    ("Burra", "SA", "5417"),
    ("Perth", "WA", "6000"),
    ("Fremantle", "WA", "6160"),
    ("Hobart", "TAS", "7000"),
    ("Canberra", "ACT", "2600"),
    ("Darwin", "NT", "0800"),
    ("Auckland", "AUK", "1010"),
    ("Wellington", "WGN", "6011"),
)
STREETS = (
    "George St",
    "Pitt St",
    "Collins St",
    "Queen St",
    "King William St",
    "Hay St",
    "Macquarie St",
    "Flinders Ln",
    "Elizabeth St",
    "Victoria Rd",
    "Pacific Hwy",
    "Church St",
    "High St",
    "Station Rd",
    "Bridge Rd",
    "Park Ave",
    "Harbour Dr",
    "Main North Rd",
    "Smith St",
    "Chapel St",
)
JOB_TITLES = (
    "Office Manager",
    "Practice Manager",
    "Director",
    "Operations Manager",
    "Accounts Payable",
    "Reception",
    "IT Coordinator",
    "CFO",
    "CEO",
    "HR Manager",
    "Team Leader",
    "Administrator",
    "Partner",
    "Site Supervisor",
    "Marketing Lead",
    "Bookkeeper",
    "Executive Assistant",
)

TITLES = {
    "Hardware": (
        "Laptop will not power on",
        "Blue screen on startup",
        "Monitor flickering",
        "Dock not detecting displays",
        "Server fan alarm",
        "Keyboard replacement needed",
        "Hard drive SMART warning",
    ),
    "Software": (
        "Outlook keeps crashing",
        "Excel add-in missing",
        "Line of business app will not open",
        "Windows update failed",
        "Teams audio not working",
        "Adobe licence prompt",
    ),
    "Network": (
        "Internet down at main office",
        "Wi-Fi dropping in boardroom",
        "VPN will not connect",
        "Slow network in warehouse",
        "Firewall blocking supplier portal",
        "DNS resolution failing",
    ),
    "Security": (
        "Suspicious email reported",
        "Possible phishing link clicked",
        "Account locked out",
        "MFA reset required",
        "Antivirus detection on workstation",
        "Impossible travel alert",
    ),
    "User Administration": (
        "New starter setup",
        "Staff departure - disable account",
        "Password reset",
        "Grant access to shared mailbox",
        "Add user to finance group",
    ),
    "Email & Collaboration": (
        "Mailbox full",
        "Emails going to junk",
        "Shared calendar permissions",
        "Distribution list change",
        "SharePoint site access",
    ),
    "Printing": ("Printer offline", "Toner low on MFC", "Scan to email not working"),
}
ALERTS = (
    "ALERT: Disk space low on {host}",
    "ALERT: {host} offline",
    "ALERT: Backup failed on {host}",
    "ALERT: High CPU on {host}",
    "ALERT: Service stopped on {host}",
)
DETAILS = (
    "User reports the problem started this morning.",
    "Affects the whole team.",
    "Customer has already restarted the device.",
    "Urgent - client meeting at 2pm.",
    "Happens intermittently, roughly once a day.",
    "Screenshot attached by the user.",
    "Reported via the after-hours line.",
    "Second report this week.",
)
NOTES = (
    "Remoted in and reviewed event logs.",
    "Called the user, no answer - left voicemail.",
    "Applied the latest updates and rebooted.",
    "Escalated to Level II for further investigation.",
    "Waiting on vendor response (case opened).",
    "Confirmed with the user that the issue is resolved.",
    "Replaced the faulty cable on site.",
    "Reset credentials and enrolled MFA again.",
    "Monitoring for recurrence over the next 24 hours.",
    "Ordered replacement part from distributor.",
    "Updated firewall rule and tested with the customer.",
    "Restored the file from last night's backup.",
)
RESOLUTIONS = (
    "Resolved remotely.",
    "Replaced hardware under warranty.",
    "Configuration corrected.",
    "User trained on the correct procedure.",
    "Vendor patch applied.",
    "Closed - duplicate ticket.",
)
